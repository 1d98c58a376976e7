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
