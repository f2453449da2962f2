"""The parameters and fitted attributes every search estimator documents (numpydoc sections)."""

import re

COMMON_PARAMETERS = """\
    space : str or SearchSpace, default="auto"
        Where to search. ``"auto"`` picks the cell space for images (4-D ``X``, or 2-D
        ``X`` with ``image_shape``) and the MLP space otherwise (with a warning when the
        row length is a square of at least 8×8, as flattened images are). ``"cell"`` is
        ``CellSpace(channels=16, cells_per_stage=1)``; ``"mlp"`` is ``MLPSpace()``;
        ``"darts"`` is ``DartsSpace()``; ``sknas.spaces.SPACES`` lists every name.
    budget : int, default=20
        Number of architectures trained during the search.
    max_time : float or None, default=None
        Seconds for the whole ``fit``, search and refit: after each candidate the search
        projects the time of the next batch (the wall time per candidate so far) and of the
        refit (the best candidate's training time × ``final_epochs / epochs`` × all samples
        over training samples, for each network of the ensemble ``ensemble_size`` would
        then average), and ends when they would not fit (see
        :class:`sknas.TimeLimit`); at least one batch is trained, and a refit that would
        not end in time is shortened to the epochs that do (at least one; a warning says so,
        ``refit_epochs_`` records it). Where it ends depends on
        the machine's speed, so a search with ``max_time`` is reproducible only up to
        that point. None: ``budget`` alone ends the search.
    epochs : int, default=10
        Training epochs of each candidate.
    final_epochs : int, default=20
        Training epochs of the winner, refitted on all of ``X`` after the search.
    ensemble_size : int or "auto", default="auto"
        How many of the best candidates are refitted and averaged by ``predict`` (their
        class probabilities, or their predictions): the winner and the next best by
        validation score (ties by validation loss), from those trained for the most epochs.
        Each costs one refit. ``"auto"``: the best quarter of the candidates, from 1 to 5
        for tabular rows and to 3 for images (5 and 3 of the default ``budget=20``), where
        the average measured better than the winner alone: on tabular sets
        (``benchmarks/tabular_recipe.md``) and on digits images, 0.9880 → 0.9924 test
        accuracy with RandomSearch, 0.9900 → 0.9933 with POnasSearch, for two more refits
        (``benchmarks/image_ensemble_digits.md``). With hardware objectives or constraints
        it is 1: they bound one network.
    min_epochs : int or None, default=None
        Multi-fidelity training (successive halving over epochs). None: every candidate
        trains for ``epochs``. An int, at most ``epochs // 3``: the strategy's candidates
        come in brackets of ``3 ** (r - 1)`` for ``r`` rungs of ``min_epochs``,
        ``3 × min_epochs``, ... up to ``epochs / 3``, then ``epochs``; every candidate of a
        bracket trains for the first rung's epochs, and the best third of each rung goes on
        training, from where it stopped, up to the next one's (every rung is a snapshot of
        one training under the full ``epochs``' cosine schedule; e.g. ``epochs=10,
        min_epochs=1``: rungs of 1, 3 and 10 epochs, brackets of 9, ~0.3× the training).
        Measured on digits (``benchmarks/multi_fidelity.md``): about 0.4× the wall and
        0.001–0.002 less test accuracy than full fidelity at the same ``budget``.
        The strategy learns from the highest rung each candidate reached (so a candidate
        pruned early counts with its low-fidelity score), ``results_["epochs"]`` says which,
        and the winner is the best among those that reached the most epochs. ``n_jobs``
        workers train the candidates of a rung; promotions depend only on the scores, so
        the search is the same for any ``n_jobs``. A bracket cut short (interrupt,
        ``max_time``) is lost: results are kept per bracket.
    validation_fraction : float, default=0.2
        Share of ``X`` held out to score the candidates.
    batch_size : int, default=64
        Minibatch size of training, at least 2 (batch normalisation cannot train on one
        sample). A last batch of one sample is skipped.
    optimizer : {"adamw", "sgd"}, default="adamw"
        AdamW, or SGD with Nesterov momentum; both with a cosine learning-rate schedule.
    learning_rate : float or None, default=None
        Peak learning rate, positive and finite; None means 3e-3 for AdamW and 0.05 for SGD.
    max_shift : int or "auto", default="auto"
        Data augmentation of images: while a network trains (candidates and refit), each
        image of each batch is moved by its own random offset of up to ``max_shift`` pixels
        along each axis, its border pixels repeated into the gap
        (:func:`sknas.evaluation.random_shifts`); the offsets are drawn from the seeded
        batch order, so the search stays reproducible. 0 turns it off. ``"auto"``: one pixel
        per 14 of the shorter image side: none for 8×8 digits (1 px cost 0.002 of test
        accuracy there), 2 px for 28×28 MNIST (+0.0016, better on 4 of 5 seeds) and 32×32
        CIFAR (``benchmarks/augmentation.md``); none for tabular rows, for which an int
        above 0 is refused. ``max_shift_`` is the value used.
    image_shape : tuple of int or None, default=None
        ``(height, width)`` or ``(channels, height, width)`` of images stored as rows of a
        2-D ``X``, e.g. ``(8, 8)`` for scikit-learn's digits.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` and ``"classification"`` make the estimator a classifier, before ``fit``
        (``sklearn.base.is_classifier`` is True: folds are stratified, probability scorers
        such as ``roc_auc`` work); ``"regression"`` makes it a regressor. Under ``"auto"``,
        ``fit`` refuses float ``y`` that looks continuous (a value that is not a whole
        number; or more than 20 distinct whole numbers; or, beyond two, more distinct
        values than half the samples) with a ``ValueError``: pass ``"regression"`` for such
        targets, or ``"classification"`` if they are class labels.
    device : str, default="auto"
        Where networks train: ``"cpu"``, ``"cuda"``, or ``"auto"`` (CUDA when available).
        A device this machine cannot train on (``"meta"``, ``"mps"`` without Apple's GPU)
        is refused with a ``ValueError`` before any work.
    precision : {"auto", "float32", "bfloat16"}, default="auto"
        The arithmetic of training. ``"auto"``, for convolutional networks (image inputs):
        bfloat16 autocast and the channels-last layout where the device computes in
        bfloat16 natively (a CUDA GPU that supports it; a CPU with AVX-512 BF16 or AMX),
        where it trained 1.3–2.0× faster on a CPU, test accuracy within noise of float32's
        (``benchmarks/training_precision.md``); float32 with the channels-last layout on
        other CPUs, the same sums in another order, 1.16–2.65× faster on the default space's
        cells (``benchmarks/training_precision_no_bf16.md``); float32 in the default layout
        for perceptrons and elsewhere. ``"bfloat16"`` asks for bfloat16 with channels-last
        anywhere; ``"float32"`` for float32 in the default layout. The weights, the
        optimizer, the losses and ``predict`` stay float32; ``precision_`` says which dtype
        was used.
    n_jobs : int or None, default=None
        Candidates trained at once, with joblib; None means 1, -1 all cores. The strategy
        chooses that many architectures together (one surrogate fit per batch), so for an
        adaptive strategy (all but random search and zero-cost ranking) ``n_jobs`` is part
        of the search's definition: another value gives another search, and a checkpoint
        is resumed only with the value it was written with. Each of ``n`` parallel
        candidates trains with ``cpu_count // n`` torch threads. Under
        ``joblib.parallel_config(backend="dask")`` they train on a Dask cluster's workers.
        With process-based backends (the default loky, Dask) a candidate trains as with
        ``n_jobs=1`` when torch has as many threads; with fewer, float sums round
        differently and scores can differ in their last digits. The threading backend is
        not reproducible: threads share torch's random state.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the strategy and every network, so a search is reproducible.
    verbose : int, default=0
        0 is silent; 1 shows a progress bar; 2 also prints each candidate's result.
    callbacks : list of Callback or None, default=None
        Objects whose hooks (``on_search_begin``, ``on_candidate_end``, ``on_search_end``,
        ``on_refit_begin``... see :class:`sknas.Callback`) are called during ``fit``; an
        ``on_candidate_end`` that returns True ends the search, as
        :class:`sknas.EarlyStopping` does.
    checkpoint : str, path or None, default=None
        Where the search state (every result, the strategy's state, the seed) is kept,
        rewritten atomically after every evaluation: a JSON file, or a folder (an existing
        directory, or a path ending with ``/``) that holds one file per search, named by
        the estimator and a hash of its data and parameters, so that the clones of
        ``cross_val_score`` or ``GridSearchCV`` each keep their own. When the search's file
        exists, ``fit`` with the same data and parameters resumes from it: no evaluated
        architecture is trained again, and a deterministic search ends as an uninterrupted
        one would. A larger ``budget`` continues a finished search; another ``final_epochs``
        or ``ensemble_size`` refits it without training a candidate again. A file written by
        another search, one in use by a running search, or one that cannot be written is
        refused with a ``ValueError`` before any work.
    warm_start : bool, default=False
        When True, ``fit`` on the same data with the same parameters continues the previous
        fit's search (up to the new ``budget``) instead of starting again."""


COMMON_ATTRIBUTES = """\
    best_architecture_ : Architecture
        The architecture with the best validation score.
    best_score_ : float
        Its validation accuracy (classification) or R² (regression).
    best_model_ : torch.nn.Module
        The best architecture refitted on all training data, in eval mode.
    ensemble_architectures_ : list of Architecture
        The architectures refitted and averaged by ``predict``, best first
        (``best_architecture_`` alone with ``ensemble_size=1``).
    ensemble_models_ : list of torch.nn.Module
        Their refitted networks, in that order; the first is ``best_model_``.
    predictor_ : torch.nn.Module
        What ``predict_proba`` (classification) or ``predict`` (regression) computes, as one
        module around ``best_model_`` (or the average of ``ensemble_models_``): the input standardisation, the network, and the
        softmax or the de-standardisation of the targets, in float64. ``predict``,
        ``predict_proba``, ``score``, ``export`` and ``sknas.load`` all go through it, in
        passes of 64 rows (zero-padded), so a sample is predicted alike alone or among others.
    input_scaler_ : InputScaler
        The standardisation of the inputs learned in ``fit`` (per feature, or per channel of
        images): ``mean_`` and ``scale_``.
    n_outputs_ : int
        Outputs of the networks: the number of classes, or 1 for regression.
    target_mean_, target_scale_ : float
        The mean and standard deviation of the targets the networks learn standardised
        (regression).
    refit_epochs_ : int
        The epochs of the final refit: ``final_epochs``, or fewer when ``max_time`` left too
        little time for it.
    max_shift_ : int
        The random translation of training images in pixels, as ``max_shift`` resolved for
        this input (0 for tabular rows).
    precision_ : str
        The autocast dtype the networks trained in: ``"float32"`` or ``"bfloat16"``, as
        ``precision`` resolved on this device (which also picks the layout of image networks).
    results_ : dict of lists
        One entry per evaluated candidate: ``architecture`` (string), ``objective``,
        ``fit_time_s`` (of all its rungs, with ``min_epochs``), ``status`` (``"ok"`` or
        ``"failed"``), ``error``, ``epochs`` (the training epochs its objective was measured
        after: ``epochs``, or a lower rung's with ``min_epochs``), ``params``, ``val_loss``, ``loss_improved`` (whether training lowered the validation loss below
        the untrained network's: False for a failed candidate, and for one that did not learn,
        e.g. with a learning rate far too high; a warning says when no candidate did), and
        ``proxy_<name>`` for each zero-cost proxy the estimator computes. Ties of the
        objective go to the lower validation loss. Fewer than ``budget`` entries (the pool or
        the space holds fewer architectures) come with a warning.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification).
    n_features_in_ : int
        Number of values per sample seen in ``fit``: the columns of a 2-D ``X``, or
        ``channels * height * width`` of 4-D images. ``predict`` takes rows of that many
        values, or (after a fit on images) images of ``input_shape_``.
    space_ : SearchSpace
        The space that was searched.
    task_ : str
        ``"classification"`` or ``"regression"``.
    input_shape_ : tuple of int
        Per-sample shape the networks take.
    search_time_s_ : float
        Wall time of the search, without the final refit.
    search_timings_ : dict of str to float
        Where the time went, in seconds: ``search_s`` (as ``search_time_s_``), ``setup_s``
        and ``propose_s`` (the strategy setting up — the initial pool's proxies, a
        surrogate's pre-training — and choosing candidates), ``overhead_s`` (their sum:
        everything the strategy spent outside training), ``proxies_s`` (the part of it
        spent on proxies), ``training_s`` (the candidates' training times added up; with
        ``n_jobs`` workers they overlap) and ``refit_s`` (the final refit).
    search_state_ : SearchState
        What ``warm_start`` and ``checkpoint`` continue from: the seed, the strategy's state
        and every result."""


#: ``%(name)s`` placeholders of a docstring.
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def fill_doc(**sections: str):
    """Class decorator: replace each ``%(name)s`` of the docstring with its section.

    ``common_parameters`` and ``common_attributes`` are always known; ``sections`` adds
    others (e.g. ``hardware_parameters=HARDWARE_PARAMETERS``). A placeholder without a
    section, or a section given but not used, raises a ``ValueError`` at import, so a
    misspelt key cannot leave ``%(...)s`` in the documentation.
    """
    known = {"common_parameters": COMMON_PARAMETERS, "common_attributes": COMMON_ATTRIBUTES, **sections}

    def decorate(cls):
        doc = cls.__doc__ or ""
        used = PLACEHOLDER.findall(doc)
        missing = sorted(set(used) - set(known))
        unused = sorted(set(sections) - set(used))
        if missing or unused:
            raise ValueError(
                f"the docstring of {cls.__name__} has placeholders without a section {missing} "
                f"and sections without a placeholder {unused}; fix the names in fill_doc or the docstring"
            )
        cls.__doc__ = PLACEHOLDER.sub(lambda match: known[match.group(1)], doc)
        return cls

    return decorate
