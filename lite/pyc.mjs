// Compile the Python that a kernel start and the lessons' first imports run (from Pyodide's
// stdlib and the browser's wheels) to bytecode with the site's own Pyodide under Node.js, so
// the student's browser does not compile it again at every kernel start.  Run by
// lite/build.py:
//
//   node pyc.mjs PYODIDE_DIR JOBS.json
//
// JOBS.json: {"wheels": [paths], "warm": [modules], "zips": [{"path", "keep_source"}]}.
// The wheels are installed into this Pyodide and the warm modules imported; every module
// that is then loaded is compiled in the zip that holds it, rewritten in place; the rest
// stays source (most of Pygments' lexers, say), so the site grows only by what is used.
// A compiled module becomes `name.pyc` beside where `name.py` was: the browser imports
// these files in place from one zip (lite/packages.py, the stdlib's own zip), and zipimport
// looks for `name.pyc` there, never in `__pycache__`.  Without the source the `.py` goes;
// with keep_source (buddy-edu's own wheel, whose tracebacks students read) it stays, and
// the `.pyc` is of the unchecked-hash kind, which zipimport loads without comparing it to
// the source.  Bytecode belongs to one Python version: this is Pyodide's, the browser's.
import fs from 'node:fs';

const [pyodideDir, jobsFile] = process.argv.slice(2);
const { loadPyodide } = await import(`${pyodideDir}/pyodide.mjs`);
const pyodide = await loadPyodide({ indexURL: `${pyodideDir}/` });
pyodide.FS.mkdirTree('/host');
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: '/' }, '/host');
pyodide.runPython(`
import importlib.util
import marshal
import os
import sys
import zipfile

MAGIC = importlib.util.MAGIC_NUMBER


def loaded_entries():
    """Zip entry names (as in a wheel or the stdlib zip) of every module loaded now."""
    names = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        for root in ("/site-packages/", ".zip/"):
            if root in path and path.endswith(".py"):
                names.add(path.split(root, 1)[1])
    return names


def compile_zip(path, keep_source, hot):
    done = 0
    target = path + ".pyc-new"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if not info.filename.endswith(".py") or info.filename not in hot:
                out.writestr(info, data, zipfile.ZIP_DEFLATED, 9)
                continue
            try:
                code = compile(data, info.filename, "exec", dont_inherit=True)
            except SyntaxError:  # e.g. a template or a file for another Python: keep as it is
                out.writestr(info, data, zipfile.ZIP_DEFLATED, 9)
                continue
            done += 1
            if keep_source:
                out.writestr(info, data, zipfile.ZIP_DEFLATED, 9)
                header = MAGIC + (1).to_bytes(4, "little") + importlib.util.source_hash(data)
            else:
                header = MAGIC + bytes(12)  # timestamp form; with no source it is not checked
            out.writestr(zipfile.ZipInfo(info.filename + "c", info.date_time),
                         header + marshal.dumps(code), zipfile.ZIP_DEFLATED, 9)
    os.replace(target, path)
    return done
`);
const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
await pyodide.loadPackage(jobs.wheels);
pyodide.runPython(`import importlib\nfor name in ${JSON.stringify(jobs.warm)}:\n    importlib.import_module(name)`);
const hot = pyodide.globals.get('loaded_entries')();
const compileZip = pyodide.globals.get('compile_zip');
for (const job of jobs.zips) {
  const count = compileZip(`/host${job.path}`, job.keep_source, hot);
  console.log(`${count} modules compiled in ${job.path}`);
}
