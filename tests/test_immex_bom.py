"""Tests of immex.bom: BOM explosion with merma and desperdicio."""

import pytest
from immex.bom import Bom, BomError, BomLine, consumption_per_unit, explode


def test_single_level_percentages_of_net():
    boms = {"A": Bom("A", 1.0, [BomLine("M1", 2.0, 10.0, 5.0), BomLine("M2", 0.5)])}
    assert explode("A", 10, boms) == {"M1": [20.0, 2.0, 1.0], "M2": [5.0, 0.0, 0.0]}


def test_bom_product_qty_scales_lines():
    # The lines make 4 units: 10 units need 10/4 * 2 = 5.
    boms = {"A": Bom("A", 4.0, [BomLine("M", 2.0, 20.0)])}
    assert explode("A", 10, boms) == {"M": [5.0, 1.0, 0.0]}


def test_namedtuple_defaults():
    line = BomLine("M", 3.0)
    assert (line.merma_pct, line.desperdicio_pct) == (0.0, 0.0)
    assert Bom("A", 1.0, []).kind == "normal"


def test_sub_assembly_channels_follow_the_docstring_example():
    # 1 A needs 2 S (10% merma, 5% desperdicio); 1 S needs 1 kg M. S's gross 2.3 is exploded:
    # 2.0 kg of M is in the good, 0.2 kg inside lost S (merma), 0.1 kg inside scrapped S.
    boms = {
        "A": Bom("A", 1.0, [BomLine("S", 2.0, 10.0, 5.0)]),
        "S": Bom("S", 1.0, [BomLine("M", 1.0)]),
    }
    assert explode("A", 1, boms) == {"M": [2.0, 0.2, 0.1]}


def test_leaf_losses_add_to_inherited_channels():
    # As above, but M itself has 10% merma on everything S consumes (2.3 kg): +0.23.
    boms = {
        "A": Bom("A", 1.0, [BomLine("S", 2.0, 10.0, 5.0)]),
        "S": Bom("S", 1.0, [BomLine("M", 1.0, 10.0)]),
    }
    net, merma, scrap = explode("A", 1, boms)["M"]
    assert (net, merma, scrap) == (2.0, 0.43, 0.1)
    # Total equals a plain gross explosion: 2 * 1.15 * 1 * 1.10 = 2.53.
    assert net + merma + scrap == pytest.approx(2.53)


def test_three_levels_with_product_qty():
    boms = {
        "FG": Bom("FG", 2.0, [BomLine("SA", 4.0, 25.0), BomLine("LBL", 2.0)]),
        "SA": Bom("SA", 10.0, [BomLine("SB", 5.0, 0.0, 10.0), BomLine("WIRE", 30.0)]),
        "SB": Bom("SB", 1.0, [BomLine("RESIN", 0.2)]),
    }
    result = explode("FG", 6, boms)
    # FG 6 -> SA net 12, merma 3 (gross 15). SA per unit: 0.5 SB, 3 WIRE.
    assert result["LBL"] == [6.0, 0.0, 0.0]
    assert result["WIRE"] == [36.0, 9.0, 0.0]
    # SB: net 6, merma 1.5, own desperdicio 10% of 7.5 = 0.75. RESIN 0.2 per SB.
    assert result["RESIN"] == [1.2, 0.3, 0.15]
    assert set(result) == {"LBL", "WIRE", "RESIN"}


def test_stop_keeps_imported_sub_assembly_as_leaf():
    boms = {
        "A": Bom("A", 1.0, [BomLine("S", 2.0, 10.0, 5.0), BomLine("M", 1.0)]),
        "S": Bom("S", 1.0, [BomLine("M", 1.0)]),
    }
    result = explode("A", 1, boms, stop=lambda product: product == "S")
    assert result == {"S": [2.0, 0.2, 0.1], "M": [1.0, 0.0, 0.0]}


def test_stop_is_not_asked_about_the_requested_product():
    asked = []

    def stop(product):
        asked.append(product)
        return True

    boms = {
        "A": Bom("A", 1.0, [BomLine("S", 1.0), BomLine("M", 1.0)]),
        "S": Bom("S", 1.0, [BomLine("M", 1.0)]),
    }
    assert explode("A", 3, boms, stop=stop) == {"S": [3.0, 0.0, 0.0], "M": [3.0, 0.0, 0.0]}
    assert asked == ["S"]  # only components with a BOM are asked


def test_same_component_at_several_places_accumulates():
    boms = {
        "A": Bom("A", 1.0, [BomLine("M", 1.0, 10.0), BomLine("S", 1.0), BomLine("M", 0.5)]),
        "S": Bom("S", 1.0, [BomLine("M", 2.0, 0.0, 50.0)]),
    }
    assert explode("A", 2, boms) == {"M": [7.0, 0.2, 2.0]}


def test_phantom_kits_explode_like_normal_boms():
    boms = {
        "A": Bom("A", 1.0, [BomLine("KIT", 2.0)]),
        "KIT": Bom("KIT", 1.0, [BomLine("SCREW", 4.0), BomLine("NUT", 4.0)], kind="phantom"),
    }
    assert explode("A", 1, boms) == {"SCREW": [8.0, 0.0, 0.0], "NUT": [8.0, 0.0, 0.0]}


def test_rounding_happens_once_at_the_end():
    boms = {"A": Bom("A", 3.0, [BomLine("M", 1.0)])}
    assert explode("A", 1, boms) == {"M": [0.333333, 0.0, 0.0]}
    assert explode("A", 1, boms, digits=2) == {"M": [0.33, 0.0, 0.0]}
    # 1/3 per level over three levels: rounding per level would give 0.037036 or similar.
    deep = {
        "A": Bom("A", 3.0, [BomLine("B", 1.0)]),
        "B": Bom("B", 3.0, [BomLine("C", 1.0)]),
        "C": Bom("C", 3.0, [BomLine("M", 1.0)]),
    }
    assert explode("A", 1, deep)["M"] == [0.037037, 0.0, 0.0]


def test_zero_and_negative_quantities():
    boms = {"A": Bom("A", 1.0, [BomLine("M", 2.0, 10.0)])}
    assert explode("A", 0, boms) == {"M": [0.0, 0.0, 0.0]}
    # A reversal explodes symmetrically.
    assert explode("A", -1, boms) == {"M": [-2.0, -0.2, 0.0]}


def test_consumption_per_unit():
    boms = {
        "A": Bom("A", 1.0, [BomLine("S", 2.0, 10.0, 5.0)]),
        "S": Bom("S", 1.0, [BomLine("M", 1.0)]),
    }
    assert consumption_per_unit("A", boms) == explode("A", 1, boms) == {"M": [2.0, 0.2, 0.1]}
    assert consumption_per_unit("A", boms, stop=lambda p: True) == {"S": [2.0, 0.2, 0.1]}


def test_cycle_raises_with_path():
    boms = {
        "A": Bom("A", 1.0, [BomLine("B", 1.0)]),
        "B": Bom("B", 1.0, [BomLine("C", 1.0)]),
        "C": Bom("C", 1.0, [BomLine("A", 1.0)]),
    }
    with pytest.raises(BomError) as info:
        explode("A", 1, boms)
    assert info.value.code == "cycle"
    assert info.value.params == {"path": ["A", "B", "C", "A"]}


def test_self_reference_is_a_cycle_unless_stopped():
    boms = {"A": Bom("A", 1.0, [BomLine("A", 1.0), BomLine("M", 1.0)])}
    with pytest.raises(BomError) as info:
        explode("A", 1, boms)
    assert info.value.params["path"] == ["A", "A"]
    assert explode("A", 1, boms, stop=lambda p: p == "A") == {
        "A": [1.0, 0.0, 0.0],
        "M": [1.0, 0.0, 0.0],
    }


def test_diamond_is_not_a_cycle():
    boms = {
        "A": Bom("A", 1.0, [BomLine("B", 1.0), BomLine("C", 1.0)]),
        "B": Bom("B", 1.0, [BomLine("D", 1.0)]),
        "C": Bom("C", 1.0, [BomLine("D", 2.0)]),
        "D": Bom("D", 1.0, [BomLine("M", 1.0)]),
    }
    assert explode("A", 1, boms) == {"M": [3.0, 0.0, 0.0]}


def test_missing_bom_for_requested_product():
    with pytest.raises(BomError) as info:
        explode("X", 1, {})
    assert info.value.code == "no_bom"
    assert info.value.params == {"product": "X"}


@pytest.mark.parametrize("product_qty", [0.0, -1.0])
def test_bad_product_qty(product_qty):
    boms = {"A": Bom("A", product_qty, [BomLine("M", 1.0)])}
    with pytest.raises(BomError) as info:
        explode("A", 1, boms)
    assert info.value.code == "product_qty"


def test_bad_line_values():
    with pytest.raises(BomError) as info:
        explode("A", 1, {"A": Bom("A", 1.0, [BomLine("M", -1.0)])})
    assert info.value.code == "line_qty"
    with pytest.raises(BomError) as info:
        explode("A", 1, {"A": Bom("A", 1.0, [BomLine("M", 1.0, -5.0)])})
    assert info.value.code == "pct"
    with pytest.raises(BomError) as info:
        explode("A", 1, {"A": Bom("A", 1.0, [BomLine("M", 1.0, 0.0, -5.0)])})
    assert info.value.code == "pct"
    assert isinstance(info.value, ValueError)


def test_deep_chain_and_no_negative_zero():
    boms = {f"L{k}": Bom(f"L{k}", 1.0, [BomLine(f"L{k + 1}", 1.0, 1.0)]) for k in range(40)}
    result = explode("L0", 1, boms)
    net, merma, scrap = result["L40"]
    assert net == 1.0
    assert merma == pytest.approx(1.01**40 - 1, abs=1e-6)
    assert scrap == 0.0
    assert str(explode("A", -0.0, {"A": Bom("A", 1.0, [BomLine("M", 1.0)])})["M"][0]) == "0.0"


def test_error_message():
    assert str(BomError("cycle", path=["A", "A"])) == "cycle: path=['A', 'A']"


def test_explosion_leaves_no_garbage_cycle():
    """An exit explodes a hundred BOMs: none may leave work to the cyclic collector."""
    import gc

    boms = {
        "fg": Bom("fg", 1.0, [BomLine("sub", 2.0, 5.0, 1.0), BomLine("tape", 1.0)]),
        "sub": Bom("sub", 1.0, [BomLine("wire", 3.0)]),
    }
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(10):
            explode("fg", 1.0, boms)
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
