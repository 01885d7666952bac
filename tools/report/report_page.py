"""What tools/report/build.py adds to the Allure app's page, in the folder report and the single file alike.

- At the top, the verdicts: whether the run can be signed, each clause's verdict (a known defect named); at the foot,
  a bar to the pages beside the report (tools/common/html_page.REPORT_LINKS).
- The clause link works: Allure 3.18 renders links for http(s)/mailto/tel URLs alone, so each result links to
  `https://report.invalid/clarifications.html#clause-X-Y` (support/clauses.py; RFC 2606) and a small script points
  every such link at the page beside the report, served or opened from file://.
- Each clause group of the tree is named with its verdict; scenarios in feature order inside their clause, clauses in
  spec order (the tree's `groupOrder`, by which the report opens sorted; Allure's is the order results started in).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from support.clauses import BY_ID, CLAUSES, REPORT_ORIGIN, case_of_tags
from tools.common.catalogue import PlannedScenario
from tools.common.html_page import REPORT_LINKS, esc
from tools.verdicts.clause_verdict import NOT_A_SIGNOFF_RUN, ClauseVerdictRow, signoff_profile

MARKER = "focus-report-pages"
VERDICTS_ID = "focus-verdicts"
VERDICT_SEPARATOR = " · "

# Two strips around the app: the verdicts at the top (the overall one and each clause's, no click needed), the pages
# beside the report at the foot. The app's frame is as tall as the window (its footer at its bottom): it is made
# shorter by the strips' heights, measured, so that neither covers the app's own header or footer. Colours follow
# the app's theme (`data-theme` on <html>), so that both strips read in dark mode too.
_STRIPS = r"""
<style>
#{verdicts}, #{marker} {{ font: 13px system-ui, sans-serif; color: #1f2937; background: #f5f3ff; display: flex;
  flex-wrap: wrap; gap: .3rem 1rem; align-items: center; padding: .3rem 1rem; box-sizing: border-box; }}
#{verdicts} {{ border-bottom: 1px solid #c4b5fd; }}
#{marker} {{ position: fixed; left: 0; right: 0; bottom: 0; z-index: 2147483000; border-top: 1px solid #c4b5fd; }}
#{verdicts} a, #{marker} a {{ color: #5b21b6; }}
#{verdicts} .overall {{ font-weight: 700; padding: .1rem .5rem; border-radius: .3rem; }}
#{verdicts} .overall.valid {{ background: #dcfce7; color: #166534; }}
#{verdicts} .overall.invalid {{ background: #fee2e2; color: #991b1b; }}
#{verdicts} .chip {{ white-space: nowrap; text-decoration: none; }}
#{verdicts} .chip b {{ color: inherit; }}
#{verdicts} .v-failed {{ color: #b91c1c; }} #{verdicts} .v-not-verified {{ color: #4b5563; }}
#{verdicts} .v-verified, #{verdicts} .v-proven {{ color: #15803d; }}
#app > div:first-child {{ height: calc(100vh - var(--focus-top, 0px) - var(--focus-foot, 28px)) !important; }}
html[data-theme="dark"] #{verdicts}, html[data-theme="dark"] #{marker} {{ background: #1e1b2e; color: #e5e7eb;
  border-color: #4c1d95; }}
html[data-theme="dark"] #{verdicts} a, html[data-theme="dark"] #{marker} a {{ color: #c4b5fd; }}
html[data-theme="dark"] #{verdicts} .v-failed {{ color: #fca5a5; }}
html[data-theme="dark"] #{verdicts} .v-not-verified {{ color: #d1d5db; }}
html[data-theme="dark"] #{verdicts} .v-verified, html[data-theme="dark"] #{verdicts} .v-proven {{ color: #86efac; }}
html[data-theme="dark"] #{verdicts} .overall.valid {{ background: #14532d; color: #dcfce7; }}
html[data-theme="dark"] #{verdicts} .overall.invalid {{ background: #7f1d1d; color: #fee2e2; }}
</style>
<div id="{marker}"><b>Sign-off pages:</b>{links}</div>
<script>
(function () {{
  var origin = {origin};
  function relink() {{
    document.querySelectorAll('a[href^="' + origin + '"]').forEach(function (a) {{
      a.setAttribute("href", a.getAttribute("href").slice(origin.length));
      a.setAttribute("data-clause-link", "");
    }});
  }}
  // The overview's time in UTC, as every other page says it (the app writes the browser's local time, no zone).
  var started = {started};
  function zone() {{
    if (!started) return;
    document.querySelectorAll('[data-testid="report-data"]').forEach(function (el) {{
      var text = el.textContent;
      if (text.indexOf(started) === 0) return;
      var duration = text.match(/ \([^()]*\)$/);
      el.textContent = started + (duration ? duration[0] : "");
    }});
  }}
  function fit() {{
    var top = document.getElementById("{verdicts}"), foot = document.getElementById("{marker}");
    var root = document.documentElement.style;
    var topHeight = (top ? top.offsetHeight : 0) + "px", footHeight = (foot ? foot.offsetHeight : 0) + "px";
    if (root.getPropertyValue("--focus-top") !== topHeight) root.setProperty("--focus-top", topHeight);
    if (root.getPropertyValue("--focus-foot") !== footHeight) root.setProperty("--focus-foot", footHeight);
  }}
  function fix() {{ relink(); zone(); fit(); }}
  fix();
  window.addEventListener("resize", fit);
  new MutationObserver(fix).observe(document.body, {{ childList: true, subtree: true,
    characterData: true, attributes: true, attributeFilter: ["href"] }});
}})();
</script>
"""


def bar_html(started_utc: str | None = None) -> str:
    pages = {name: href for name, href in REPORT_LINKS.items() if href != "index.html"}
    links = "".join(f'<a href="{esc(href)}" data-page="{esc(href)}">{esc(name)}</a>' for name, href in pages.items())
    origin, started = json.dumps(REPORT_ORIGIN), json.dumps(started_utc or "")
    return _STRIPS.format(marker=MARKER, verdicts=VERDICTS_ID, links=links, origin=origin, started=started)


def verdicts_html(rows: Sequence[ClauseVerdictRow], valid: bool, profile: str) -> str:
    """The top strip: whether the run can be signed, then each clause's verdict, each linked to its traceability row."""
    if valid:
        overall = '<span class="overall valid">Fit for sign-off: every clause verified</span>'
    else:
        why = NOT_A_SIGNOFF_RUN if not signoff_profile(profile) else "a clause is failed or not verified"
        overall = f'<span class="overall invalid">Not valid for sign-off: {esc(why)}</span>'
    chips = "".join(
        f'<a class="chip v-{row.verdict.value.replace(" ", "-")}" href="traceability.html#{row.clause.anchor}" '
        f'title="{esc(row.heading)}: {esc(row.counts())}"><b>{esc(row.id)}</b> {esc(row.verdict_text)}</a>'
        for row in rows
    )
    return f'<div id="{VERDICTS_ID}">{overall}{chips}</div>'


def first_start_utc(results: Path) -> str | None:
    """When the run's first scenario started, in UTC: the time the report's overview shows."""
    starts = [json.loads(p.read_text(encoding="utf-8")).get("start") for p in results.glob("*-result.json")]
    starts = [start for start in starts if isinstance(start, int)]
    return datetime.fromtimestamp(min(starts) / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if starts else None


def decorate(index: Path, started_utc: str | None = None, verdicts: str = "") -> None:
    """The verdicts strip at the top of the body, the pages bar and the clause-link script at its end, once."""
    text = index.read_text(encoding="utf-8")
    if MARKER not in text:
        text = re.sub(r"(<body[^>]*>)", lambda m: m[1] + verdicts, text, count=1)
        text = text.replace("</body>", bar_html(started_utc) + "</body>", 1)
    index.write_text(text, encoding="utf-8")


def order_tree(tree: dict, planned: Sequence[PlannedScenario], verdicts: dict[str, str]) -> dict:
    """The tree widget with each leaf's `groupOrder` its scenario's rank in spec order (one not planned after its
    clause's planned ones), and each clause group named with its verdict ("4.3 Scenario 3: … · verified")."""
    clause_rank = {clause.id: n for n, clause in enumerate(CLAUSES)}
    ranked = sorted(enumerate(planned), key=lambda x: (clause_rank.get(x[1].spec or "", len(CLAUSES)), x[0]))
    order = {(s.case, s.name.strip()): rank + 1 for rank, (_, s) in enumerate(ranked)}
    for group in tree.get("groupsById", {}).values():
        clause_id = str(group.get("name", "")).split(" ", 1)[0]
        if clause_id in verdicts and VERDICT_SEPARATOR not in group["name"]:
            group["name"] += VERDICT_SEPARATOR + verdicts[clause_id]
    for leaf in tree.get("leavesById", {}).values():
        tags = leaf.get("tags", [])
        spec = next((tag[5:] for tag in tags if tag.startswith("spec-")), None)
        unplanned = len(order) + 1 + (list(BY_ID).index(spec) if spec in BY_ID else len(BY_ID))
        leaf["groupOrder"] = order.get((case_of_tags(tags), str(leaf.get("name", "")).strip()), unplanned)
    return tree


_EMBEDDED_TREE = re.compile(r'd\("(widgets/(?:[^"/]+/)?tree\.json)","([A-Za-z0-9+/=]*)"\)')


def order_report(folder: Path, planned: Sequence[PlannedScenario], verdicts: dict[str, str]) -> None:
    """Spec order and clause verdicts in a generated report: its tree widgets, or the trees a single file embeds."""
    for path in folder.glob("widgets/**/tree.json"):
        tree = order_tree(json.loads(path.read_text(encoding="utf-8")), planned, verdicts)
        path.write_text(json.dumps(tree, ensure_ascii=False), encoding="utf-8")

    def embedded(match: re.Match[str]) -> str:
        tree = order_tree(json.loads(base64.b64decode(match[2])), planned, verdicts)
        return f'd("{match[1]}","{base64.b64encode(json.dumps(tree, ensure_ascii=False).encode()).decode()}")'

    index = folder / "index.html"
    index.write_text(_EMBEDDED_TREE.sub(embedded, index.read_text(encoding="utf-8")), encoding="utf-8")
    widgets = folder / "widgets"  # asked for by the app even when absent (a 404 in the served report's console)
    if widgets.is_dir() and not (widgets / "metrics.json").exists():
        (widgets / "metrics.json").write_text("[]", encoding="utf-8")
