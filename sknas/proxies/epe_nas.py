"""``epe_nas`` (Lopes et al., 2021): how distinct the input Jacobians of each class are."""

import numpy as np

from ._base import register

K = 1e-5


@register(
    "epe_nas", "Σ over classes of |Σ log(|corrcoef(J of the class)| + k)|", needs=["input_jacobian"]
)
def epe_nas(context) -> float:
    """Σ over classes c of |Σ_ij log(|C_c[i, j]| + k)|, C_c the correlation matrix of the
    Jacobians of the samples of class c, k = 1e-5 (NAS-Bench-Suite-Zero's form for at most
    100 classes; for more, the mean pairwise difference of the class scores).

    Classification only: regression targets have no classes.
    """
    if context.task != "classification":
        raise ValueError("epe_nas is defined for classification only")
    jacobian = context.input_jacobian
    labels = context.y.cpu().numpy()
    class_scores = []
    for label in np.unique(labels):
        rows = jacobian[labels == label]
        if len(rows) < 2:
            class_scores.append(float(np.log(1 + K)))  # one sample correlates with itself only
            continue
        with np.errstate(all="ignore"):
            correlation = np.corrcoef(rows)
            class_scores.append(float(np.sum(np.log(np.abs(correlation) + K))))
    class_scores = np.asarray(class_scores)
    if context.n_outputs <= 100:
        return float(np.sum(np.abs(class_scores)))
    pairwise = np.abs(class_scores[:, None] - class_scores[None, :]).sum()
    return float(pairwise / len(class_scores))
