"""The editor's ES modules (static/js/editor/): the page loads main.js as a module and
preloads every module it imports, so the browser fetches them at once rather than a
level of imports at a time."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "static" / "js" / "editor"
TEMPLATE = ROOT / "templates" / "repairapp" / "editor.html"


def test_the_page_loads_main_as_a_module_and_preloads_every_other_module():
    page = TEMPLATE.read_text()
    assert "<script type=\"module\" src=\"{% static 'js/editor/main.js' %}\"></script>" in page
    preloaded = set(re.findall(r"<link rel=\"modulepreload\" href=\"\{% static 'js/editor/(\w+\.js)' %\}\">", page))
    on_disk = {path.name for path in MODULES.glob("*.js")} - {"main.js"}
    assert preloaded == on_disk


def test_every_import_names_a_module_that_exists():
    for path in MODULES.glob("*.js"):
        for target in re.findall(r'from "\./([\w.]+)"', path.read_text()):
            assert (MODULES / target).is_file(), f"{path.name} imports {target}"
