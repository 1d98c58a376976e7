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

// A compliance user asks for the balances by fraction as of a past date, narrows them to one
// fraction and downloads the XLSX (the file is checked by the Python test).
registry.category("web_tour.tours").add("l10n_mx_immex_balances_as_of", {
    steps: () => [
        {
            content: "today's balances: open the dialog to choose another date",
            trigger: ".o_control_panel button[name='action_l10n_mx_immex_download']",
            run: "click",
        },
        {
            content: "open the cut-off date",
            trigger: ".modal .o_field_widget[name='date_at'] button",
            run: "click",
        },
        {
            content: "the cut-off date: a past day",
            trigger: ".modal .o_field_widget[name='date_at'] input",
            run: "edit 03/10/2026",
        },
        {
            content: "leave the date field",
            trigger: ".modal .o_field_widget[name='report_type']",
            run: "click",
        },
        {
            content: "show the balances on screen",
            trigger: ".modal button[name='action_view']",
            run: "click",
        },
        {
            content: "grouped by tariff fraction",
            trigger: ".o_list_view .o_group_header:contains('8536')",
        },
        {
            content: "search a fraction",
            trigger: ".o_searchview_input",
            run: "edit 8536",
        },
        {
            content: "as a tariff fraction",
            trigger: ".o_searchview_autocomplete .o-dropdown-item:contains('Tariff Fraction')",
            run: "click",
        },
        {
            content: "only that fraction is left",
            trigger: ".o_searchview_facet:contains('8536')",
        },
        {
            content: "the wire fraction is gone",
            trigger: ".o_list_view:not(:has(.o_group_header:contains('8544')))",
        },
        {
            content: "download",
            trigger: ".o_control_panel button[name='action_l10n_mx_immex_download']",
            run: "click",
        },
        {
            content: "the dialog keeps the screen's cut-off date",
            trigger: ".modal .o_field_widget[name='date_at'] button:contains('Mar 10')",
        },
        {
            content: "narrow the file to the same fraction",
            trigger: ".modal .o_field_widget[name='fraction_ids'] input",
            run: "edit 8536",
        },
        {
            content: "pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('8536')",
            run: "click",
        },
        {
            content: "the fraction is set",
            trigger: ".modal .o_field_widget[name='fraction_ids'] .o_tag:contains('8536')",
        },
        {
            content: "download the XLSX",
            trigger: ".modal button[name='action_export']",
            run: "click",
        },
        {
            content: "the file is sent to the browser (headless Chromium blocks the download tab)",
            trigger: ".o_notification",
        },
    ],
});

// A warehouse user validates a receipt that names its pedimento, then opens the pedimento
// and sees the balance each line now holds.
registry.category("web_tour.tours").add("l10n_mx_immex_receipt_opens_balance", {
    steps: () => [
        {
            content: "validate the receipt",
            trigger: ".o_form_view .o_statusbar_buttons button[name='button_validate']",
            run: "click",
        },
        {
            content: "the receipt is done",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Done')",
        },
        {
            content: "open its pedimento",
            trigger: ".o_field_widget[name='l10n_mx_immex_pedimento_id'] a.o_form_uri",
            run: "click",
        },
        {
            content: "the pedimento is confirmed",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Confirmed')",
        },
        {
            content: "its line holds the balance received",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row td[name='qty_balance']:contains('50.00')",
        },
    ],
});
