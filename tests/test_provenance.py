"""Tests of nsl_utils.provenance: what sweeps record about where they ran."""

import numpy as np

from nsl_utils.provenance import cpu_name, hardware, versions


def test_versions_names_python_and_each_package():
    v = versions("numpy")
    assert v["numpy"] == np.__version__ and v["python"].count(".") == 2


def test_hardware_has_cores_and_a_cpu_name():
    h = hardware()
    assert h["cpu_count"] >= 1 and h["processor"] == cpu_name() and h["processor"]
