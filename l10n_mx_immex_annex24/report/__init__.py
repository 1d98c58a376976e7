from . import l10n_mx_immex_report_query
from . import l10n_mx_immex_report_balance
from . import l10n_mx_immex_report_return_ratio
from . import l10n_mx_immex_expiry_alert
from . import l10n_mx_immex_report_demo
