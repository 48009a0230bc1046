"""Customer value and risk: RFM summaries, BG/NBD, Pareto/NBD, Gamma-Gamma, BG/BB, CLV, holdout
validation, churn classification and key-driver analysis.

Every model's ``fit()`` returns the model; fitted values end in ``_`` (``params_``, ``log_likelihood_``).
"""

from cxjourney.models.bgbb import BGBB
from cxjourney.models.bgnbd import BGNBD
from cxjourney.models.clv import TRANSACTION_MODELS, CustomerValue, customer_value
from cxjourney.models.gamma_gamma import GammaGamma
from cxjourney.models.pareto_nbd import ParetoNBD
from cxjourney.models.rfm import RFMSummary, clean_transactions, read_transactions, rfm_summary

__all__ = [
    "BGBB", "BGNBD", "TRANSACTION_MODELS", "CustomerValue", "GammaGamma", "ParetoNBD", "RFMSummary",
    "clean_transactions", "customer_value", "read_transactions", "rfm_summary",
]
