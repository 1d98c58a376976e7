from . import l10n_mx_immex_pedimento_cancel
from . import l10n_mx_immex_reconstruction
from . import l10n_mx_immex_auditor_account
from . import l10n_mx_immex_integrity_wizard
from . import l10n_mx_immex_lock_wizard
from . import l10n_mx_immex_report_wizard
