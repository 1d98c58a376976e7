import {registry} from "@web/core/registry";

// BOM Drift opens grouped by month and component: its rows (and their decorations) are
// only drawn once both groups are expanded, which is where a bad view expression breaks.
registry.category("web_tour.tours").add("l10n_mx_immex_bom_drift_groups", {
    steps: () => [
        {
            content: "expand the month",
            trigger: ".o_list_view .o_group_header:not(.o_group_open)",
            run: "click",
        },
        {
            content: "expand the first component",
            trigger: ".o_list_view .o_group_open + .o_group_header:not(.o_group_open)",
            run: "click",
        },
        {
            content: "its materials-used rows are drawn",
            trigger: ".o_list_view .o_data_row",
        },
    ],
});

// Warn mode: a ready receipt of temporary imports without pedimento is validated from the
// form (no "Missing required fields"), with the warning shown before and after.
registry.category("web_tour.tours").add("l10n_mx_immex_receipt_warn_mode", {
    steps: () => [
        {
            content: "the form says what validating will do",
            trigger: ".alert-warning:contains('without a pedimento')",
        },
        {
            content: "validate without a pedimento",
            trigger: ".o_form_view .o_statusbar_buttons button[name='button_validate']",
            run: "click",
        },
        {
            content: "the receipt is done",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Done')",
        },
        {
            content: "the warning is on the receipt",
            trigger: ".o-mail-Message-body:contains('received without a pedimento')",
        },
    ],
});

// A delivery abroad without an export pedimento does not leave silently.
registry.category("web_tour.tours").add("l10n_mx_immex_delivery_abroad_warn_mode", {
    steps: () => [
        {
            content: "validate the delivery to the customer abroad",
            trigger: ".o_form_view .o_statusbar_buttons button[name='button_validate']",
            run: "click",
        },
        {
            content: "the delivery is done",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Done')",
        },
        {
            content: "and says nothing was discharged",
            trigger: ".o-mail-Message-body:contains('without an export pedimento')",
        },
    ],
});
