"""The charts drawn on the server: the SVG element written in Python for the portal's records
pages escapes every word it carries (the bars' titles, the ticks, the label) and keeps a label
that is already safe markup as it is."""

from __future__ import annotations

from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe

from sscard.common.charts import Series, grouped_stacks, svg


def test_the_svg_of_a_chart_escapes_its_words_and_labels_its_image() -> None:
    chart = grouped_stacks(
        ["<b>Jan</b>", "Feb"],
        [Series('Base "&" more', 0, [Decimal("100.00"), None])],
        marks={1: "no <record>"},
        dashed=frozenset({0}),
        width=480,
        height=240,
    )

    drawn = svg(chart, chart_id="chart-pension", label="Pension & <more>")

    assert isinstance(drawn, SafeString)
    assert drawn.startswith('<svg viewBox="0 0 480 240" role="img"')
    assert 'aria-labelledby="chart-pension-title"' in drawn
    assert '<title id="chart-pension-title">Pension &amp; &lt;more&gt;</title>' in drawn
    assert "<title>&lt;b&gt;Jan&lt;/b&gt; Base &quot;&amp;&quot; more: 100.00</title>" in drawn
    assert 'class="dashed"' in drawn and "<title>Feb: no &lt;record&gt;</title>" in drawn
    assert "<b>" not in drawn and drawn.endswith("</svg>")
    already_safe = svg(chart, chart_id="c", label=mark_safe("A &amp; B"))
    assert '<title id="c-title">A &amp; B</title>' in already_safe
