"""One untrained network and one minibatch, with the passes several proxies share.

Proxies asked for together read the products of one forward pass: the gradients of the loss
(``grad_norm``, ``snip``, ``plain``, ``fisher``), its Hessian-gradient product (``grasp``),
the Jacobian of the outputs with respect to the input (``jacob_cov``, ``epe_nas``) and the
binary activation codes (``nwot``). Each product is computed once, when first read, so a
proxy costs only what it adds. The network is in training mode (batch normalisation uses
the batch's statistics, as in NAS-Bench-Suite-Zero) with dropout off, so scores are
deterministic. The pass runs on a copy: the network handed in is never modified, unless
the caller hands it over with a way to build it again (``rebuild``).
"""

from __future__ import annotations

import copy
from functools import cached_property
from typing import Callable, Iterable

import numpy as np
import torch
from torch import nn

from ._base import ACTIVATIONS, WEIGHT_LAYERS

#: Products of the shared pass a proxy can declare in its ``needs``.
PRODUCTS = (
    "loss_gradients", "activation_gradients", "hessian_gradients", "input_jacobian",
    "activation_kernel",
)


def weight_layers(module: nn.Module) -> list[nn.Module]:
    """The convolutions and linear layers of ``module``, in registration order."""
    return [m for m in module.modules() if isinstance(m, WEIGHT_LAYERS)]


def disable_dropout(module: nn.Module) -> nn.Module:
    """Put every dropout layer of ``module`` in eval mode (identity), leaving the rest as is."""
    for m in module.modules():
        if isinstance(m, nn.modules.dropout._DropoutNd):
            m.eval()
    return module


def pre_pooling_features(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The features a network's classifier head reads, before any global pooling.

    ``module.features(x)`` when the network defines it (the cell and MLP networks do);
    otherwise the input of its last linear layer, the standard classifier head.
    """
    features = getattr(module, "features", None)
    if callable(features):
        return features(x)
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError("the network has no features() method and no linear classifier head")
    captured: list[torch.Tensor] = []
    handle = linears[-1].register_forward_pre_hook(lambda m, args: captured.append(args[0]))
    try:
        module(x)
    finally:
        handle.remove()
    return captured[-1]


class ProxyContext:
    """An untrained network and a minibatch, and the products shared between proxies.

    Parameters
    ----------
    module : torch.nn.Module
        The untrained network; never modified, unless ``rebuild`` is given.
    X : torch.Tensor of shape (n_samples, ...)
        The minibatch, on the network's device.
    y : torch.Tensor of shape (n_samples,) or (n_samples, n_targets)
        Class indices (classification) or float targets (regression).
    task : {"classification", "regression"}
        Picks the loss: cross-entropy or mean squared error.
    needs : iterable of str
        Products any requested proxy will read, so the one forward pass records them all.
    seed : int
        Seeds what proxies draw at random (Gaussian inputs, re-initialised weights).
    rebuild : callable or None, default=None
        Builds the same untrained network again (same weights). With it, ``module`` is the
        context's own: the shared pass runs on it instead of on a deep copy, and
        :meth:`copy` rebuilds instead of deep-copying. A deep copy of a small network costs
        more than building it (17 against 7 ms for the default cell network on 8×8 images,
        where all six PO-NAS proxies take about 140 ms); the scores are the same.
    """

    def __init__(
        self,
        module: nn.Module,
        X: torch.Tensor,
        y: torch.Tensor,
        *,
        task: str,
        needs: Iterable[str],
        seed: int,
        rebuild: Callable[[], nn.Module] | None = None,
    ):
        self.module = module
        self.rebuild = rebuild
        self.X = X
        self.y = y
        self.task = task
        self.needs = frozenset(needs)
        unknown = self.needs.difference(PRODUCTS)
        if unknown:
            raise ValueError(f"unknown products {sorted(unknown)}; known: {', '.join(PRODUCTS)}")
        self.seed = int(seed)

    # -- helpers for proxies that need their own network -----------------------------------

    def copy(self) -> nn.Module:
        """A copy of the untrained network, for proxies that change its weights: rebuilt
        with ``rebuild`` when given, else a deep copy."""
        return copy.deepcopy(self.module) if self.rebuild is None else self.rebuild()

    def generator(self) -> torch.Generator:
        """A fresh generator on the minibatch's device, seeded by ``seed``."""
        return torch.Generator(device=self.X.device).manual_seed(self.seed)

    def loss(self, outputs: torch.Tensor) -> torch.Tensor:
        """Cross-entropy (classification) or mean squared error (regression) on the batch.

        Parameters
        ----------
        outputs : torch.Tensor of shape (n_samples, n_outputs)
            The network's outputs on the minibatch ``X``.

        Returns
        -------
        loss : torch.Tensor
            The mean loss over the minibatch, a scalar (differentiable).
        """
        if self.task == "classification":
            return nn.functional.cross_entropy(outputs, self.y)
        return nn.functional.mse_loss(outputs, self.y.reshape(outputs.shape).to(outputs.dtype))

    @property
    def n_outputs(self) -> int:
        """Width of the network's output (number of classes, or of targets)."""
        return int(self._forward["outputs"].shape[-1])

    @property
    def weights(self) -> list[torch.Tensor]:
        """Weights of the convolutions and linear layers of the copy the shared pass ran on."""
        return [layer.weight for layer in self._forward["layers"]]

    # -- the shared pass -------------------------------------------------------------------

    @cached_property
    def _forward(self) -> dict:
        net = disable_dropout((self.module if self.rebuild is not None else copy.deepcopy(self.module)).train())
        layers = weight_layers(net)
        layer_outputs: list[torch.Tensor] = []
        kernel = torch.zeros(len(self.X), len(self.X), dtype=torch.float64, device=self.X.device)
        # key -> (the tensor, kept alive so its memory is not reused while cached; its term)
        seen: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}

        def record_output(module, args, output):
            layer_outputs.append(output)

        def add_codes(module, args):
            # NASWOT: K += c cᵀ + (1-c)(1-c)ᵀ with c the 0/1 signs of the pre-activation, i.e.
            # 2 c cᵀ - sᵢ - sⱼ + D for s = row sums and D units. Activations that read the same
            # tensor (one node feeding several edges) add the same term: compute it once.
            value = args[0]
            key = (value.data_ptr(), value._version, tuple(value.shape), value.stride())
            if key not in seen:
                with torch.no_grad():
                    flat = value.detach().reshape(len(value), -1)
                    # counts of 0/1 products are exact in float32 up to 2**24 units
                    codes = (flat > 0).to(torch.float32 if flat.shape[1] < 2**24 else torch.float64)
                    sums = codes.sum(1, dtype=torch.float64)
                    term = 2 * (codes @ codes.T).double() - sums[:, None] - sums[None, :] + codes.shape[1]
                seen[key] = (value, term)
            kernel.add_(seen[key][1])

        handles = []
        if "activation_gradients" in self.needs:
            handles += [layer.register_forward_hook(record_output) for layer in layers]
        if "activation_kernel" in self.needs:
            handles += [
                m.register_forward_pre_hook(add_codes) for m in net.modules() if isinstance(m, ACTIVATIONS)
            ]
        x = self.X.detach().clone().requires_grad_("input_jacobian" in self.needs)
        try:
            outputs = net(x)
        finally:
            for handle in handles:
                handle.remove()
        seen.clear()
        return {
            "net": net, "layers": layers, "x": x, "outputs": outputs,
            "layer_outputs": layer_outputs, "kernel": kernel,
        }

    @cached_property
    def _loss_backward(self) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        forward = self._forward
        weights = self.weights
        acts = forward["layer_outputs"]
        grads = torch.autograd.grad(
            self.loss(forward["outputs"]),
            weights + acts,
            retain_graph=True,
            create_graph="hessian_gradients" in self.needs,
            allow_unused=True,
        )
        grads = [torch.zeros_like(t) if g is None else g for t, g in zip(weights + acts, grads)]
        return grads[: len(weights)], grads[len(weights) :]

    @property
    def loss_gradients(self) -> list[torch.Tensor]:
        """∂L/∂W of each weight layer (detached), one tensor per entry of ``weights``."""
        return [g.detach() for g in self._loss_backward[0]]

    @property
    def activation_gradients(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """``(a, ∂L/∂a)`` for the output ``a`` of each call of a weight layer (detached)."""
        acts = self._forward["layer_outputs"]
        return [(a.detach(), g.detach()) for a, g in zip(acts, self._loss_backward[1])]

    @cached_property
    def hessian_gradients(self) -> list[torch.Tensor]:
        """H·g of each weight layer: the Hessian of the loss times its gradient (``grasp``)."""
        if "hessian_gradients" not in self.needs:
            raise RuntimeError("hessian_gradients was not declared in needs")
        grads = self._loss_backward[0]
        z = sum((g.detach() * g).sum() for g in grads)
        if not z.requires_grad:  # no weight influences the loss
            return [torch.zeros_like(w) for w in self.weights]
        hg = torch.autograd.grad(z, self.weights, retain_graph=True, allow_unused=True)
        return [torch.zeros_like(w) if h is None else h.detach() for w, h in zip(self.weights, hg)]

    @cached_property
    def input_jacobian(self) -> np.ndarray:
        """∂(Σ outputs)/∂x for each sample, flattened: shape ``(n_samples, n_inputs)``, float64."""
        forward = self._forward
        if not forward["x"].requires_grad:
            raise RuntimeError("input_jacobian was not declared in needs")
        (grad,) = torch.autograd.grad(forward["outputs"].sum(), forward["x"], retain_graph=True)
        return grad.reshape(len(grad), -1).double().cpu().numpy()

    @property
    def activation_kernel(self) -> np.ndarray:
        """The NASWOT kernel: agreements of the binary activation codes of each pair of samples."""
        if "activation_kernel" not in self.needs:
            raise RuntimeError("activation_kernel was not declared in needs")
        return self._forward["kernel"].cpu().numpy()
