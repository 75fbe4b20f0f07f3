"""Hand-in from the notebook: ``ex.download()`` saves it and downloads a copy to hand in.

In JupyterLite a student's work lives in the browser's storage only, so the
exercise notebooks end with ``ex.download()``.  It shows a small anywidget
that, in the page, asks the notebook's widget manager for its notebook
(JupyterLab's and JupyterLite's widget manager both hold the document
context), saves it, and downloads the *current* notebook, answers and all,
unsaved edits included, as ``<assignment>-<student>.ipynb``; a button
downloads it again.  The file is exactly what *File → Download* gives after a
save: the notebook's JSON with JupyterLab's indent of one.  Where no notebook
context can be found (a front end other than JupyterLab, Notebook 7 or
JupyterLite), the widget says to use *File → Download*.
"""

from __future__ import annotations

import json

import anywidget
import traitlets

FALLBACK = ("This page cannot hand the notebook to the download: save it, then use "
            "File → Download, and hand in that file.")

_ESM = """
const FALLBACK = %s;

// The notebook this output belongs to: JupyterLab's (and JupyterLite's) widget manager
// is made for one notebook and keeps its document context.
function notebookContext(model) {
  const manager = model.widget_manager;
  const context = manager && manager.context;
  return context && context.model && typeof context.model.toJSON === "function"
    ? context : null;
}

async function download(model, status) {
  const name = model.get("filename");
  const context = notebookContext(model);
  if (!context) { status.textContent = FALLBACK; return; }
  try { await context.save(); } catch (error) { /* the download below is what counts */ }
  const text = JSON.stringify(context.model.toJSON(), null, 1) + "\\n";
  const url = URL.createObjectURL(new Blob([text], {type: "application/x-ipynb+json"}));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.style.display = "none";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  status.textContent = ` Downloaded ${name} to your downloads folder: hand in that file.`;
}

function render({ model, el }) {
  el.classList.add("buddy-edu-handin");
  const button = document.createElement("button");
  button.className = "jupyter-button buddy-edu-handin-download";
  button.textContent = `Download ${model.get("filename")}`;
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  button.addEventListener("click", () => download(model, status));
  el.append(button, status);
  if (model.get("automatic")) {  // once: a view drawn again later must not download again
    model.set("automatic", false);
    model.save_changes();
    download(model, status);
  }
}

export default { render };
"""


class HandIn(anywidget.AnyWidget):
    """Saves the notebook and downloads it as ``filename``: once when first shown, and again
    on its button."""

    _esm = _ESM % json.dumps(FALLBACK)
    filename = traitlets.Unicode().tag(sync=True)
    automatic = traitlets.Bool(True).tag(sync=True)
