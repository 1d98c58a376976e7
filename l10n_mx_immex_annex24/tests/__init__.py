from . import test_catalogs
from . import test_pedimento
from . import test_receipt
from . import test_security
from . import test_discharge
from . import test_concurrency
from . import test_integrity
