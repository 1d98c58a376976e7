from . import l10n_mx_immex_pedimento_cancel
from . import l10n_mx_immex_reconstruction
from . import l10n_mx_immex_auditor_account
from . import l10n_mx_immex_integrity_wizard
from . import l10n_mx_immex_lock_wizard
from . import l10n_mx_immex_datastage_import
from . import l10n_mx_immex_initial_inventory
from . import l10n_mx_immex_anexo30_wizard
