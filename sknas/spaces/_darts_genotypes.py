"""Published genotypes of the DARTS space, buildable by name with ``DartsSpace.published(name)``.

Each entry holds the genotype as its authors' code prints it, where it comes from, and what
the authors report for it (test error of the network trained from scratch).
"""

#: name -> {"genotype": DARTS genotype string, "source": where it is published, "reported": ...}
PUBLISHED_GENOTYPES: dict[str, dict[str, str]] = {
    "DARTS_V1": {
        "genotype": (
            "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), "
            "('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], "
            "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
            "('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
            "('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])"
        ),
        "source": "Liu, Simonyan & Yang, DARTS (ICLR 2019), first-order search; github.com/quark0/darts cnn/genotypes.py",
        "reported": "CIFAR-10 test error 3.00 +- 0.14 %, 3.3 M parameters (36 channels, 20 layers, cutout)",
    },
    "DARTS_V2": {
        "genotype": (
            "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
            "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
            "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
            "('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
            "('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
        ),
        "source": "Liu, Simonyan & Yang, DARTS (ICLR 2019), second-order search; github.com/quark0/darts cnn/genotypes.py",
        "reported": "CIFAR-10 test error 2.76 +- 0.09 %, 3.3 M parameters; ImageNet 26.7 / 8.7 top-1 / top-5 error",
    },
    "PONAS_CIFAR10": {
        "genotype": (
            "Genotype(normal=[('skip_connect', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 1), ('sep_conv_3x3', 0), "
            "('sep_conv_5x5', 2), ('dil_conv_3x3', 0), ('avg_pool_3x3', 1), ('sep_conv_3x3', 0)], "
            "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_5x5', 2), "
            "('skip_connect', 0), ('sep_conv_3x3', 3), ('dil_conv_3x3', 0), ('sep_conv_5x5', 2), "
            "('sep_conv_5x5', 0)], reduce_concat=[2, 3, 4, 5])"
        ),
        "source": "PO-NAS reference code, github.com/LMZ-Zhuo/PO-NAS DARTS/genotypes.py (CIFAR_10_arch)",
        "reported": "searched on CIFAR-10 in the DARTS space",
    },
    "PONAS_CIFAR100": {
        "genotype": (
            "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 1), ('avg_pool_3x3', 0), "
            "('sep_conv_5x5', 3), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('sep_conv_5x5', 1)], "
            "normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_5x5', 0), ('avg_pool_3x3', 1), ('dil_conv_3x3', 0), "
            "('dil_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_5x5', 3), ('max_pool_3x3', 2), "
            "('dil_conv_3x3', 0)], reduce_concat=[2, 3, 4, 5])"
        ),
        "source": "PO-NAS reference code, github.com/LMZ-Zhuo/PO-NAS DARTS/genotypes.py (CIFAR_100_arch)",
        "reported": "searched on CIFAR-100 in the DARTS space",
    },
    "PONAS_IMAGENET": {
        "genotype": (
            "Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1), ('sep_conv_5x5', 0), ('sep_conv_5x5', 2), "
            "('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 0), ('sep_conv_5x5', 2)], "
            "normal_concat=[2, 3, 4, 5], reduce=[('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), "
            "('sep_conv_5x5', 1), ('sep_conv_5x5', 0), ('sep_conv_5x5', 3), ('sep_conv_5x5', 0), "
            "('sep_conv_5x5', 2)], reduce_concat=[2, 3, 4, 5])"
        ),
        "source": "PO-NAS reference code, github.com/LMZ-Zhuo/PO-NAS DARTS/genotypes.py (ImageNet_arch)",
        "reported": "PO-NAS paper: ImageNet 23.9 / 7.1 top-1 / top-5 error in the DARTS space",
    },
}
