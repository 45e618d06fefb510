/* The verdict tables. A global is safe only if it is listed here (or given
 * with --allow): what PyTorch, NumPy, scikit-learn/joblib and plain Python
 * containers need to rebuild data. Everything else is unknown; the deny-list
 * only makes the reason precise for what is known to run code or reach the
 * operating system, so that a user is not tempted to --allow it. */
#include <stdio.h>
#include <string.h>

#include "scan.h"

/* Exact "module.name" entries. */
static const char *const allowed[] = {
    /* plain Python containers and scalars */
    "builtins.set",
    "builtins.frozenset",
    "builtins.list",
    "builtins.dict",
    "builtins.tuple",
    "builtins.bytearray",
    "builtins.bytes",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.complex",
    "builtins.bool",
    "builtins.slice",
    "builtins.range",
    "builtins.object",
    "builtins.NoneType",
    "builtins.Ellipsis",
    "builtins.NotImplemented",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.deque",
    "collections.Counter",
    "copyreg._reconstructor",
    "_codecs.encode",
    "codecs.encode",
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "pathlib.PosixPath",
    "pathlib.PurePosixPath",
    "argparse.Namespace",
    "types.SimpleNamespace",
    "__future__._Feature",
    /* NumPy 1.x and 2.x */
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.numeric._frombuffer",
    "numpy.ma.core._mareconstruct",
    "numpy.ma.core.MaskedArray",
    "numpy.matrix",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random.mtrand.RandomState",
    /* PyTorch */
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_sparse_csr_tensor",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_from_type",
    "torch._utils._rebuild_from_type_v2",
    "torch._tensor._rebuild_from_type",
    "torch._tensor._rebuild_from_type_v2",
    "torch.Size",
    "torch.device",
    "torch.Tensor",
    "torch.nn.parameter.Parameter",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.storage._TypedStorage",
    "torch.UntypedStorage",
    "torch.TypedStorage",
    "torch.FloatStorage",
    "torch.DoubleStorage",
    "torch.HalfStorage",
    "torch.BFloat16Storage",
    "torch.LongStorage",
    "torch.IntStorage",
    "torch.ShortStorage",
    "torch.CharStorage",
    "torch.ByteStorage",
    "torch.BoolStorage",
    "torch.ComplexFloatStorage",
    "torch.ComplexDoubleStorage",
    "torch.QUInt8Storage",
    "torch.QInt8Storage",
    "torch.QInt32Storage",
    "torch.QUInt4x2Storage",
    "torch.QUInt2x4Storage",
    "torch.float32",
    "torch.float64",
    "torch.float16",
    "torch.bfloat16",
    "torch.int64",
    "torch.int32",
    "torch.int16",
    "torch.int8",
    "torch.uint8",
    "torch.bool",
    "torch.complex64",
    "torch.complex128",
    "torch.float",
    "torch.double",
    "torch.half",
    "torch.long",
    "torch.int",
    "torch.short",
    "torch.float8_e4m3fn",
    "torch.float8_e5m2",
    "torch.qint8",
    "torch.quint8",
    "torch.qint32",
    "torch.strided",
    "torch.sparse_coo",
    "torch.sparse_csr",
    "torch.contiguous_format",
    "torch.channels_last",
    "torch.preserve_format",
    "torch.per_tensor_affine",
    "torch.per_channel_affine",
    "torch.serialization._get_layout",
    /* joblib / scikit-learn containers */
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
    /* joblib < 0.10 compressed dumps: raw array bytes from a companion ZF
     * file, given to ndarray.__setstate__ (which refuses bytes for objects) */
    "joblib.numpy_pickle_compat.ZNDArrayWrapper",
    "sklearn.utils._bunch.Bunch",
};

/* Modules whose classes rebuild model structure: any public class name. */
static const char *const allowed_class_modules[] = {
    "torch.nn.modules.",      "sklearn.linear_model.",
    "sklearn.preprocessing.", "sklearn.tree.",
    "sklearn.ensemble.",      "sklearn.pipeline",
    "sklearn.decomposition.", "sklearn.cluster.",
    "sklearn.svm.",	      "sklearn.neighbors.",
    "sklearn.naive_bayes",    "sklearn.dummy", /* the init estimator of gradient boosting */
};

struct deny {
	const char *module; /* the module and everything below it */
	const char *name;   /* NULL: every name */
	const char *reason;
};

static const struct deny denied[] = {
    {"os", NULL, "operating system access (os)"},
    {"posix", NULL, "operating system access (posix)"},
    {"nt", NULL, "operating system access (nt)"},
    {"posixpath", NULL, "file system access (os.path)"},
    {"ntpath", NULL, "file system access (os.path)"},
    {"genericpath", NULL, "file system access (os.path)"},
    {"subprocess", NULL, "runs programs (subprocess)"},
    {"commands", NULL, "runs programs (commands)"},
    {"pty", NULL, "spawns a shell (pty)"},
    {"popen2", NULL, "runs programs (popen2)"},
    {"builtins", "eval", "evaluates code (builtins.eval)"},
    {"builtins", "exec", "executes code (builtins.exec)"},
    {"builtins", "execfile", "executes code"},
    {"builtins", "compile", "compiles code (builtins.compile)"},
    {"builtins", "getattr", "reaches any attribute (builtins.getattr)"},
    {"builtins", "setattr", "sets any attribute (builtins.setattr)"},
    {"builtins", "delattr", "deletes attributes (builtins.delattr)"},
    {"builtins", "__import__", "imports any module (builtins.__import__)"},
    {"builtins", "open", "opens files (builtins.open)"},
    {"builtins", "globals", "reaches interpreter state (builtins.globals)"},
    {"builtins", "locals", "reaches interpreter state"},
    {"builtins", "vars", "reaches interpreter state"},
    {"builtins", "input", "reads the terminal"},
    {"builtins", "breakpoint", "starts a debugger"},
    {"builtins", "help", "starts a pager"},
    {"builtins", "exit", "ends the process"},
    {"builtins", "quit", "ends the process"},
    {"builtins", "type", "makes new classes (builtins.type)"},
    {"builtins", "super", "reaches base classes"},
    {"builtins", "memoryview", "raw memory access"},
    {"importlib", NULL, "imports any module (importlib)"},
    {"imp", NULL, "imports any module (imp)"},
    {"pkgutil", NULL, "imports any module (pkgutil)"},
    {"zipimport", NULL, "imports code (zipimport)"},
    {"runpy", NULL, "runs modules (runpy)"},
    {"code", NULL, "interactive interpreter (code)"},
    {"codeop", NULL, "compiles code (codeop)"},
    {"socket", NULL, "network access (socket)"},
    {"_socket", NULL, "network access (_socket)"},
    {"ssl", NULL, "network access (ssl)"},
    {"http", NULL, "network access (http)"},
    {"urllib", NULL, "network access (urllib)"},
    {"urllib2", NULL, "network access (urllib2)"},
    {"requests", NULL, "network access (requests)"},
    {"httpx", NULL, "network access (httpx)"},
    {"ftplib", NULL, "network access (ftplib)"},
    {"smtplib", NULL, "network access (smtplib)"},
    {"telnetlib", NULL, "network access (telnetlib)"},
    {"xmlrpc", NULL, "network access (xmlrpc)"},
    {"webbrowser", NULL, "starts programs (webbrowser)"},
    {"ctypes", NULL, "calls native code (ctypes)"},
    {"_ctypes", NULL, "calls native code (_ctypes)"},
    {"cffi", NULL, "calls native code (cffi)"},
    {"pip", NULL, "installs packages (pip)"},
    {"setuptools", NULL, "runs build code (setuptools)"},
    {"distutils", NULL, "runs build code (distutils)"},
    {"operator", "attrgetter", "reaches any attribute (operator.attrgetter)"},
    {"operator", "methodcaller", "calls any method (operator.methodcaller)"},
    {"operator", "itemgetter", "indexes arbitrary objects (operator.itemgetter)"},
    {"functools", "partial", "binds arbitrary calls (functools.partial)"},
    {"functools", "reduce", "applies arbitrary callables (functools.reduce)"},
    {"shutil", NULL, "file system access (shutil)"},
    {"tempfile", NULL, "file system access (tempfile)"},
    {"glob", NULL, "file system access (glob)"},
    {"io", "open", "opens files (io.open)"},
    {"io", "FileIO", "opens files (io.FileIO)"},
    {"_io", NULL, "opens files (_io)"},
    {"pathlib", "Path", "file system access (pathlib.Path)"},
    {"sys", NULL, "interpreter state (sys)"},
    {"gc", NULL, "interpreter state (gc)"},
    {"inspect", NULL, "reaches frames and code (inspect)"},
    {"types", "CodeType", "makes code objects (types.CodeType)"},
    {"types", "FunctionType", "makes functions (types.FunctionType)"},
    {"types", "ModuleType", "makes modules"},
    {"marshal", NULL, "loads code objects (marshal)"},
    {"pickle", NULL, "nested unpickling (pickle)"},
    {"_pickle", NULL, "nested unpickling (_pickle)"},
    {"cPickle", NULL, "nested unpickling (cPickle)"},
    {"shelve", NULL, "nested unpickling (shelve)"},
    {"dill", NULL, "nested unpickling with code (dill)"},
    {"cloudpickle", NULL, "nested unpickling with code (cloudpickle)"},
    {"copyreg", NULL, "changes how pickles resolve (copyreg)"},
    {"multiprocessing", NULL, "starts processes (multiprocessing)"},
    {"concurrent", NULL, "starts workers (concurrent)"},
    {"threading", NULL, "starts threads (threading)"},
    {"_thread", NULL, "starts threads (_thread)"},
    {"signal", NULL, "process signals (signal)"},
    {"asyncio", NULL, "subprocesses and sockets (asyncio)"},
    {"select", NULL, "system calls (select)"},
    {"fcntl", NULL, "system calls (fcntl)"},
    {"resource", NULL, "process limits (resource)"},
    {"pdb", NULL, "debugger (pdb)"},
    {"bdb", NULL, "debugger (bdb)"},
    {"timeit", NULL, "runs code (timeit)"},
    {"trace", NULL, "runs code (trace)"},
    {"profile", NULL, "runs code (profile)"},
    {"cProfile", NULL, "runs code (cProfile)"},
    {"doctest", NULL, "runs code (doctest)"},
    {"idlelib", NULL, "runs code (idlelib)"},
    {"lib2to3", NULL, "runs code (lib2to3)"},
    {"pydoc", NULL, "runs a pager (pydoc)"},
    {"site", NULL, "interpreter setup (site)"},
    {"builtins", "__builtins__", "interpreter state"},
    {"__builtin__", NULL, "Python 2 builtins outside protocols 0-2"},
    {"numpy", "load", "nested pickle load (numpy.load)"},
    {"numpy", "fromfile", "reads files (numpy.fromfile)"},
    {"numpy", "memmap", "maps files (numpy.memmap)"},
    {"numpy.lib.npyio", NULL, "loads files (numpy.lib.npyio)"},
    {"numpy.testing", NULL, "runs code (numpy.testing)"},
    {"numpy.distutils", NULL, "runs build code"},
    {"numpy.f2py", NULL, "runs build code"},
    {"torch", "load", "nested unpickling (torch.load)"},
    {"torch.serialization", "load", "nested unpickling"},
    {"torch.storage", "_load_from_bytes", "nested unpickling (torch.storage._load_from_bytes)"},
    {"torch.hub", NULL, "downloads and runs code (torch.hub)"},
    {"torch.jit", NULL, "compiles and runs code (torch.jit)"},
    {"torch._dynamo", NULL, "compiles and runs code"},
    {"torch._inductor", NULL, "compiles and runs code"},
    {"torch.utils.cpp_extension", NULL, "compiles and loads native code"},
    {"torch._C", "_load_for_lite_interpreter", "loads code"},
    {"torch.ops", NULL, "loads native operators"},
    {"joblib", "load", "nested unpickling (joblib.load)"},
    /* Published gadgets that run code, spawn programs or unpickle again
     * (issue 14: picklescan, modelscan, fickling and the CVE write-ups). */
    {"_operator", "attrgetter", "reaches any attribute (_operator.attrgetter)"},
    {"_operator", "methodcaller", "calls any method (_operator.methodcaller)"},
    {"_operator", "itemgetter", "indexes arbitrary objects (_operator.itemgetter)"},
    {"_operator", "call", "calls any callable (_operator.call)"},
    {"operator", "call", "calls any callable (operator.call)"},
    {"_functools", "partial", "binds arbitrary calls (_functools.partial)"},
    {"_functools", "reduce", "applies arbitrary callables (_functools.reduce)"},
    {"venv", NULL, "creates environments and runs pip (venv)"},
    {"ensurepip", NULL, "runs pip (ensurepip)"},
    {"uuid", "_get_command_stdout", "runs programs (uuid._get_command_stdout)"},
    {"uuid", "_popen", "runs programs (uuid._popen)"},
    {"_osx_support", NULL, "runs programs (_osx_support)"},
    {"_aix_support", NULL, "runs programs (_aix_support)"},
    {"_bootsubprocess", NULL, "runs programs (_bootsubprocess)"},
    {"_posixsubprocess", NULL, "runs programs (_posixsubprocess)"},
    {"platform", NULL, "runs programs (platform)"},
    {"imaplib", NULL, "runs programs and opens connections (imaplib)"},
    {"poplib", NULL, "network access (poplib)"},
    {"nntplib", NULL, "network access (nntplib)"},
    {"socketserver", NULL, "network access (socketserver)"},
    {"wsgiref", NULL, "network access (wsgiref)"},
    {"asyncore", NULL, "network access (asyncore)"},
    {"asynchat", NULL, "network access (asynchat)"},
    {"smtpd", NULL, "network access (smtpd)"},
    {"aiohttp", NULL, "network access (aiohttp)"},
    {"_pyrepl", NULL, "interactive interpreter (_pyrepl)"},
    {"test", NULL, "test helpers run code and programs (test)"},
    {"unittest", NULL, "test helpers run code (unittest)"},
    {"logging.config", NULL, "evaluates configuration, listens on a socket (logging.config)"},
    {"atexit", NULL, "registers calls at exit (atexit)"},
    {"weakref", "finalize", "registers calls at collection (weakref.finalize)"},
    {"sched", NULL, "runs scheduled calls (sched)"},
    {"types", "MethodType", "binds arbitrary callables (types.MethodType)"},
    {"types", "LambdaType", "makes functions (types.LambdaType)"},
    {"tkinter", NULL, "evaluates Tcl (tkinter)"},
    {"_tkinter", NULL, "evaluates Tcl (_tkinter)"},
    {"sqlite3", NULL, "opens databases, loads extensions (sqlite3)"},
    {"_sqlite3", NULL, "opens databases, loads extensions (_sqlite3)"},
    {"dbm", NULL, "opens files (dbm)"},
    {"mmap", NULL, "maps files (mmap)"},
    {"fileinput", NULL, "opens files (fileinput)"},
    {"linecache", NULL, "reads files (linecache)"},
    {"_winapi", NULL, "operating system access (_winapi)"},
    {"winreg", NULL, "operating system access (winreg)"},
    {"msvcrt", NULL, "operating system access (msvcrt)"},
    {"pkg_resources", NULL, "imports any module (pkg_resources)"},
    {"pydevd", NULL, "debugger (pydevd)"},
    {"_pydevd_bundle", NULL, "debugger (pydevd)"},
    {"jsonpickle", NULL, "nested unpickling (jsonpickle)"},
    {"numpy.lib.format", NULL, "reads arrays with pickles, maps files (numpy.lib.format)"},
    {"numpy.ctypeslib", NULL, "loads native libraries (numpy.ctypeslib)"},
    {"numpy.lib.utils", NULL, "runs code (numpy.lib.utils)"},
    {"pandas", "read_pickle", "nested unpickling (pandas.read_pickle)"},
    {"pandas.io", NULL, "reads files and pickles (pandas.io)"},
    {"torch.utils.collect_env", NULL, "runs programs (torch.utils.collect_env)"},
    {"torch.utils.bottleneck", NULL, "runs code (torch.utils.bottleneck)"},
    {"torch.utils._config_module", NULL, "loads pickled configuration"},
    {"torch.utils.benchmark", NULL, "compiles and runs code (torch.utils.benchmark)"},
    {"torch.utils.data.datapipes.utils.decoder", NULL, "nested unpickling (datapipes decoder)"},
    {"torch.fx", NULL, "compiles and runs code (torch.fx)"},
    {"torch._export", NULL, "deserialises programs (torch._export)"},
    {"torch.export", NULL, "deserialises programs (torch.export)"},
    {"torch.package", NULL, "imports packaged code (torch.package)"},
    {"torch.distributed", NULL, "remote calls and processes (torch.distributed)"},
    {"torch.multiprocessing", NULL, "starts processes (torch.multiprocessing)"},
    {"torch.testing", NULL, "runs code (torch.testing)"},
    {"torch", "compile", "compiles code (torch.compile)"},
    {"torch._ops", NULL, "loads native operators (torch._ops)"},
    {"torch.library", NULL, "registers native operators (torch.library)"},
    {"yaml", NULL, "yaml loading can construct objects"},
    {"jinja2", NULL, "template execution (jinja2)"},
    {"mako", NULL, "template execution (mako)"},
    {"IPython", NULL, "runs code (IPython)"},
    {"__main__", NULL, "code of the program that saved it: unknown to the loader, and shadowable"},
};

/* Matches "module" and "module.sub...", never "modulex". */
static bool module_under(const char *module, const char *base)
{
	size_t n = strlen(base);
	return strncmp(module, base, n) == 0 && (module[n] == 0 || module[n] == '.');
}

static bool public_class_name_p(const char *name)
{
	if (name[0] < 'A' || name[0] > 'Z')
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_'))
			return false;
	return true;
}

bool allowlist_entry_valid_p(const char *entry)
{
	size_t n = strlen(entry);
	if (n < 3 || n > 250 || !strchr(entry, '.') || entry[0] == '.' || entry[n - 1] == '.')
		return false;
	for (const char *p = entry; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.' || (*p == '*' && p[1] == 0 && p > entry && p[-1] == '.')))
			return false;
	return !strstr(entry, "..");
}

static bool user_allowed(const char *module, const char *name, const struct scan_options *opt)
{
	char full[520];
	snprintf(full, sizeof(full), "%s.%s", module, name);
	for (size_t k = 0; opt && k < opt->nallow; k++) {
		const char *e = opt->allow[k];
		size_t n = strlen(e);
		if (strcmp(e, full) == 0)
			return true;
		/* "pkg.mod.*": any name in pkg.mod or below */
		if (n > 2 && e[n - 1] == '*' && e[n - 2] == '.' && strncmp(full, e, n - 1) == 0 &&
		    !strchr(full + n - 1, '.'))
			return true;
		if (n > 2 && e[n - 1] == '*' && e[n - 2] == '.') {
			char base[256];
			snprintf(base, sizeof(base), "%.*s", (int)(n - 2), e);
			if (module_under(module, base) && !strchr(name, '.'))
				return true;
		}
	}
	return false;
}

enum scan_verdict allowlist_verdict(const char *module, const char *name, const struct scan_options *opt,
				    const char **reason)
{
	char full[520];

	/* Exact entries first: they name one callable each, checked to rebuild
	 * data only, inside modules denied as a whole (copyreg._reconstructor,
	 * which every protocol 0/1 pickle of a plain object calls). */
	snprintf(full, sizeof(full), "%s.%s", module, name);
	for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
		if (strcmp(full, allowed[k]) == 0) {
			*reason = NULL;
			return SCAN_SAFE;
		}
	for (size_t k = 0; k < sizeof(denied) / sizeof(denied[0]); k++) {
		const struct deny *d = &denied[k];
		if (module_under(module, d->module) &&
		    (!d->name || strcmp(name, d->name) == 0 ||
		     (strncmp(name, d->name, strlen(d->name)) == 0 && name[strlen(d->name)] == '.'))) {
			*reason = d->reason;
			return SCAN_DANGEROUS;
		}
	}
	if (strstr(full, "__")) {
		*reason = "dunder attribute path reaches interpreter internals";
		return SCAN_DANGEROUS;
	}
	if (strchr(name, '.')) {
		/* A path through a module attribute to a dangerous module or call
		 * ("torch._utils" + "os.system") is as dangerous as the target. */
		static const char *const hot[] = {
		    "os",	"sys",	     "subprocess",    "system", "popen", "eval",   "exec",
		    "builtins", "getattr",   "import_module", "posix",	"nt",	 "socket", "pty",
		    "runpy",	"importlib", "ctypes",	      "shutil", "spawn"};
		char comp[256];
		for (const char *q = name; *q;) {
			const char *dot = strchr(q, '.');
			size_t cl = dot ? (size_t)(dot - q) : strlen(q);
			snprintf(comp, sizeof(comp), "%.*s", (int)(cl < 255 ? cl : 255), q);
			for (size_t h = 0; h < sizeof(hot) / sizeof(hot[0]); h++)
				if (strcmp(comp, hot[h]) == 0 || strncmp(comp, "spawn", 5) == 0 ||
				    strncmp(comp, "exec", 4) == 0) {
					*reason = "attribute path reaches a dangerous module or call";
					return SCAN_DANGEROUS;
				}
			q += cl;
			if (*q == '.')
				q++;
		}
		/* Nested names (Class.method) resolve attribute by attribute in
		 * protocol 4+; nothing on the list needs that. */
		*reason = "nested attribute path";
		return SCAN_UNKNOWN;
	}
	for (size_t k = 0; k < sizeof(allowed_class_modules) / sizeof(allowed_class_modules[0]); k++) {
		const char *b = allowed_class_modules[k];
		size_t n = strlen(b);
		bool under = b[n - 1] == '.' ? strncmp(module, b, n) == 0 : module_under(module, b);
		if (under && public_class_name_p(name)) {
			*reason = NULL;
			return SCAN_SAFE;
		}
	}
	if (user_allowed(module, name, opt)) {
		*reason = "allowed by --allow";
		return SCAN_SAFE;
	}
	*reason = "not on the allow-list";
	return SCAN_UNKNOWN;
}

/* _compat_pickle.NAME_MAPPING and IMPORT_MAPPING (the parts that matter:
 * everything else maps to itself, and unmapped names are judged as given). */
static const char *const name_map[][4] = {
    {"__builtin__", "xrange", "builtins", "range"},
    {"__builtin__", "reduce", "functools", "reduce"},
    {"__builtin__", "intern", "sys", "intern"},
    {"__builtin__", "unichr", "builtins", "chr"},
    {"__builtin__", "unicode", "builtins", "str"},
    {"__builtin__", "long", "builtins", "int"},
    {"itertools", "izip", "builtins", "zip"},
    {"itertools", "imap", "builtins", "map"},
    {"itertools", "ifilter", "builtins", "filter"},
    {"itertools", "ifilterfalse", "itertools", "filterfalse"},
    {"itertools", "izip_longest", "itertools", "zip_longest"},
    {"UserDict", "IterableUserDict", "collections", "UserDict"},
    {"UserList", "UserList", "collections", "UserList"},
    {"UserString", "UserString", "collections", "UserString"},
    {"whichdb", "whichdb", "dbm", "whichdb"},
    {"_socket", "fromfd", "socket", "fromfd"},
    {"_multiprocessing", "Connection", "multiprocessing.connection", "Connection"},
    {"multiprocessing.process", "Process", "multiprocessing.context", "Process"},
    {"multiprocessing.forking", "Popen", "multiprocessing.popen_fork", "Popen"},
    {"urllib", "ContentTooShortError", "urllib.error", "ContentTooShortError"},
    {"urllib", "getproxies", "urllib.request", "getproxies"},
    {"urllib", "pathname2url", "urllib.request", "pathname2url"},
    {"urllib", "quote_plus", "urllib.parse", "quote_plus"},
    {"urllib", "quote", "urllib.parse", "quote"},
    {"urllib", "unquote_plus", "urllib.parse", "unquote_plus"},
    {"urllib", "unquote", "urllib.parse", "unquote"},
    {"urllib", "url2pathname", "urllib.request", "url2pathname"},
    {"urllib", "urlcleanup", "urllib.request", "urlcleanup"},
    {"urllib", "urlencode", "urllib.parse", "urlencode"},
    {"urllib", "urlopen", "urllib.request", "urlopen"},
    {"urllib", "urlretrieve", "urllib.request", "urlretrieve"},
    {"urllib2", "HTTPError", "urllib.error", "HTTPError"},
    {"urllib2", "URLError", "urllib.error", "URLError"},
};

static const char *const import_map[][2] = {
    {"__builtin__", "builtins"},
    {"copy_reg", "copyreg"},
    {"Queue", "queue"},
    {"SocketServer", "socketserver"},
    {"ConfigParser", "configparser"},
    {"repr", "reprlib"},
    {"tkFileDialog", "tkinter.filedialog"},
    {"tkSimpleDialog", "tkinter.simpledialog"},
    {"tkColorChooser", "tkinter.colorchooser"},
    {"tkCommonDialog", "tkinter.commondialog"},
    {"Dialog", "tkinter.dialog"},
    {"Tkdnd", "tkinter.dnd"},
    {"tkFont", "tkinter.font"},
    {"tkMessageBox", "tkinter.messagebox"},
    {"ScrolledText", "tkinter.scrolledtext"},
    {"Tkconstants", "tkinter.constants"},
    {"Tix", "tkinter.tix"},
    {"ttk", "tkinter.ttk"},
    {"Tkinter", "tkinter"},
    {"markupbase", "_markupbase"},
    {"_winreg", "winreg"},
    {"thread", "_thread"},
    {"dummy_thread", "_dummy_thread"},
    {"dbhash", "dbm.bsd"},
    {"dumbdbm", "dbm.dumb"},
    {"dbm", "dbm.ndbm"},
    {"gdbm", "dbm.gnu"},
    {"xmlrpclib", "xmlrpc.client"},
    {"SimpleXMLRPCServer", "xmlrpc.server"},
    {"httplib", "http.client"},
    {"htmlentitydefs", "html.entities"},
    {"HTMLParser", "html.parser"},
    {"Cookie", "http.cookies"},
    {"cookielib", "http.cookiejar"},
    {"BaseHTTPServer", "http.server"},
    {"test.test_support", "test.support"},
    {"commands", "subprocess"},
    {"urlparse", "urllib.parse"},
    {"robotparser", "urllib.robotparser"},
    {"urllib2", "urllib.request"},
    {"anydbm", "dbm"},
    {"_abcoll", "collections.abc"},
    {"cPickle", "pickle"},
    {"_elementtree", "xml.etree.ElementTree"},
    {"FileDialog", "tkinter.filedialog"},
    {"SimpleDialog", "tkinter.simpledialog"},
    {"DocXMLRPCServer", "xmlrpc.server"},
    {"SimpleHTTPServer", "http.server"},
    {"CGIHTTPServer", "http.server"},
    {"UserDict", "collections"},
    {"UserList", "collections"},
    {"UserString", "collections"},
    {"whichdb", "dbm"},
    {"StringIO", "io"},
    {"cStringIO", "io"},
    {"exceptions", "builtins"},
};

void allowlist_fix_import(char *module, size_t mcap, char *name, size_t ncap)
{
	for (size_t k = 0; k < sizeof(name_map) / sizeof(name_map[0]); k++)
		if (strcmp(module, name_map[k][0]) == 0 && strcmp(name, name_map[k][1]) == 0) {
			snprintf(module, mcap, "%s", name_map[k][2]);
			snprintf(name, ncap, "%s", name_map[k][3]);
			return;
		}
	for (size_t k = 0; k < sizeof(import_map) / sizeof(import_map[0]); k++)
		if (strcmp(module, import_map[k][0]) == 0) {
			snprintf(module, mcap, "%s", import_map[k][1]);
			return;
		}
}
