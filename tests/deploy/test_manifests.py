#!/usr/bin/env python3
"""Static checks of deploy/: the Dockerfile, the Kubernetes manifests and the
compose file.

Docker and Kubernetes cannot run where the tests run, so this checks what can
be checked without them: every YAML file parses (multi-document aware), and
the files agree with each other and with the program: one image everywhere,
the containers run convtrack with the expected arguments, the probes hit
/healthz and /readyz on the HTTP port, the termination grace period covers
the SIGTERM drain, resources are set, the Secret provides
CONVTRACK_POSTGRES_CONNINFO, the ConfigMap's file is mounted where --config
points, KEDA scales the Deployment on the four input topics and never above
the documented partition count, the PodDisruptionBudget selects the
Deployment's pods, compose runs PostgreSQL, Kafka in KRaft mode, the topic
creation and convtrack.  The ConfigMap's convtrack.conf is extracted and
given to `$CT_BIN_DIR/convtrack --config FILE run --check-config` (exit 0),
and a copy with an unknown key must be refused (exit 2).

`convtrack serve` (the caller API) has its own Deployment, Service and
PodDisruptionBudget (app.kubernetes.io/component: serve; the worker's objects
are component worker): it runs `serve` from the same image, with no migrate
init container, binds beyond the pod on the port its probes and Service use,
reads its API keys file from a Secret volume and its secret settings from a
Secret (none inline), and its effective configuration (the ConfigMap's file
plus the container's environment) is what the manifests say.  The binary is
started as the pod would start it (but on 127.0.0.1 and a free port, with an
unreachable database and the example keys file): the liveness path answers
200, the readiness path 503, /metrics 200, and /v1 asks for a key.

Every check runs; none is skipped.  Tools, all installed by scripts/deps.sh
(a missing one fails its check, naming the package):
- PyYAML (Debian: python3-yaml);
- `kubectl kustomize` renders deploy/k8s (Debian: kubernetes-client, or a
  kubectl the machine already has);
- readelf (binutils), ldd (libc-bin) and dpkg-query (dpkg) find the Debian
  packages of the libraries convtrack links, which the Dockerfile's runtime
  stage must install.
Prints `N passed, N failed` last and exits non-zero when a check fails.
"""

import base64
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

try:
    import yaml
except ImportError:
    # The interpreter CMake found may not be Debian's, where python3-yaml lives.
    debian = "/usr/bin/python3"
    if (os.path.realpath(sys.executable) != os.path.realpath(debian)
            and os.path.exists(debian)
            and subprocess.call([debian, "-c", "import yaml"],
                                stderr=subprocess.DEVNULL) == 0):
        os.execv(debian, [debian] + sys.argv)
    print("FAIL - PyYAML is missing: apt-get install python3-yaml")
    print("0 passed, 1 failed")
    sys.exit(1)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")
K8S = os.path.join(DEPLOY, "k8s")
COMPOSE = os.path.join(DEPLOY, "compose.yaml")
DOCKERFILE = os.path.join(DEPLOY, "Dockerfile")
README = os.path.join(DEPLOY, "README.md")

DEFAULT_HTTP_PORT = 9464
MIN_GRACE_S = 60
DLQ_FLUSH_S = 30          # the consumer's dead-letter flush on shutdown
DEFAULT_SERVE_PORT = 8080
WORKER, SERVE = "worker", "serve"     # app.kubernetes.io/component
COMPONENT = "app.kubernetes.io/component"
SERVE_SCOPES = {"callers:read", "classify"}
INPUT_KEYS = ("participant_joined", "message", "authenticated", "call_ended")
TOPIC_KEYS = INPUT_KEYS + ("summary_generated", "dead_letter")
BUILD_TOOLS = ("build-essential", "cmake", "pkg-config")
# Packages of the Debian base image, and sanitizer runtimes of the ASan build.
BASE_PACKAGES = ("libc6", "libgcc-s1")
SANITIZER_LIB = re.compile(r"^lib(a|ub|l|t|hwa)san\.so")


def rel(path):
    return os.path.relpath(path, ROOT)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def convtrack_bin():
    bindir = os.environ.get("CT_BIN_DIR") or os.path.join(ROOT, "build")
    path = os.path.join(bindir, "convtrack")
    assert os.access(path, os.X_OK), \
        f"{path} not found (set CT_BIN_DIR to the build directory)"
    return path


def run_convtrack(*args, extra_env=None):
    """Runs convtrack with no CONVTRACK_* variables from the caller (but
    extra_env, as the Secret would set them)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CONVTRACK_")}
    env.update(extra_env or {})
    return subprocess.run([convtrack_bin()] + list(args), env=env,
                          capture_output=True, text=True, timeout=60)


# ---- loading ----

def yaml_files():
    out = []
    for dirpath, dirnames, filenames in os.walk(DEPLOY):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".yaml", ".yml")):
                out.append(os.path.join(dirpath, name))
    return out


class Deploy:
    """Everything parsed once; a check that needs a part that failed to load
    fails with that part's error."""

    def __init__(self):
        self.docs = {}       # path -> [documents]
        self.errors = {}     # path -> parse error
        for path in yaml_files():
            try:
                with open(path, encoding="utf-8") as f:
                    self.docs[path] = [d for d in yaml.safe_load_all(f)
                                       if d is not None]
            except yaml.YAMLError as e:
                self.errors[path] = str(e)
        self._conf_dir = tempfile.mkdtemp(prefix="ct-deploy-test-")
        self._effective = None
        self._serve_effective = None

    def close(self):
        shutil.rmtree(self._conf_dir, ignore_errors=True)

    def k8s_objects(self):
        objs = []
        for path, docs in self.docs.items():
            if os.path.dirname(path) == K8S:
                for d in docs:
                    objs.append((path, d))
        return objs

    def all_of(self, kind, component=None):
        """The objects of kind (of one component: its
        app.kubernetes.io/component label)."""
        return [d for p, d in self.k8s_objects()
                if isinstance(d, dict) and d.get("kind") == kind and
                (component is None or
                 ((d.get("metadata") or {}).get("labels") or {}).get(
                     COMPONENT) == component)]

    def one(self, kind, component=None):
        found = self.all_of(kind, component)
        of = f" of component {component}" if component else ""
        assert len(found) == 1, \
            f"expected one {kind}{of} in {rel(K8S)}, found {len(found)}"
        return found[0]

    def secret(self, name):
        found = [s for s in self.all_of("Secret")
                 if s["metadata"]["name"] == name]
        assert found, f"no example Secret {name} in {rel(K8S)}"
        return found[0]

    def compose(self):
        assert COMPOSE not in self.errors, self.errors.get(COMPOSE)
        assert COMPOSE in self.docs and len(self.docs[COMPOSE]) == 1, \
            f"{rel(COMPOSE)}: expected one document"
        return self.docs[COMPOSE][0]

    def deployment(self, component=WORKER):
        return self.one("Deployment", component)

    def deployments(self):
        """The worker's and serve's Deployments."""
        return [self.deployment(WORKER), self.deployment(SERVE)]

    def pod_spec(self, component=WORKER):
        return self.deployment(component)["spec"]["template"]["spec"]

    def main_container(self, component=WORKER):
        cs = self.pod_spec(component)["containers"]
        assert len(cs) == 1, \
            f"{component}: expected one container, found {len(cs)}"
        return cs[0]

    def all_containers(self, component=None):
        """The containers (init ones first) of the component's Deployment,
        or of both."""
        out = []
        for comp in (WORKER, SERVE) if component is None else (component,):
            spec = self.pod_spec(comp)
            out += list(spec.get("initContainers") or []) + \
                list(spec["containers"])
        return out

    def configmap(self):
        return self.one("ConfigMap")

    def conf_text(self):
        data = self.configmap().get("data") or {}
        assert "convtrack.conf" in data, \
            "the ConfigMap has no convtrack.conf key"
        return data["convtrack.conf"]

    def conf_file(self, name="convtrack.conf", text=None):
        path = os.path.join(self._conf_dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.conf_text() if text is None else text)
        return path

    def effective(self):
        """The ConfigMap's effective configuration, as convtrack prints it."""
        if self._effective is None:
            r = run_convtrack("--config", self.conf_file(), "--print-config",
                              "run")
            assert r.returncode == 0, \
                f"--print-config exited {r.returncode}: {r.stderr.strip()}"
            self._effective = parse_printed_config(r.stdout)
        return self._effective


def parse_printed_config(text):
    """{"section.key": value} from `convtrack --print-config` output (a
    nested group gives "section.group.key"); a setting that is not set maps
    to None."""
    out, groups = {}, []
    for line in text.splitlines():
        m = re.match(r"^\s*([a-z_]+) = \{$", line)
        if m and (groups or not line[0].isspace()):
            groups.append(m.group(1))
            continue
        if re.match(r"^\s*\};", line) and groups:
            groups.pop()
            continue
        if not groups:
            continue
        section = ".".join(groups)
        m = re.match(r'^\s+([a-z_]+) = (".*?"|-?\d+|\(.*?\)|true|false);', line)
        if m:
            v = m.group(2)
            if v.startswith('"'):
                v = v[1:-1]
            elif re.fullmatch(r"-?\d+", v):
                v = int(v)
            out[f"{section}.{m.group(1)}"] = v
            continue
        m = re.match(r"^\s+# ([a-z_]+) is not set", line)
        if m:
            out[f"{section}.{m.group(1)}"] = None
            continue
        m = re.match(r"^\s+([a-z_]+) = \($", line)   # multi-line list
        if m:
            out[f"{section}.{m.group(1)}"] = "(...)"
    return out


def env_name(setting):
    return "CONVTRACK_" + setting.replace(".", "_").upper()


def http_port(d):
    """http.port of the ConfigMap's configuration, or the documented default
    while the program has no such setting."""
    port = d.effective().get("http.port")
    return DEFAULT_HTTP_PORT if port is None else int(port)


def image_tag_version():
    m = re.search(r"project\s*\(\s*convtrack\s+VERSION\s+([0-9.]+)",
                  read(os.path.join(ROOT, "CMakeLists.txt")))
    assert m, "no project(convtrack VERSION ...) in CMakeLists.txt"
    return m.group(1)


def resolve_port(container, port):
    for p in container.get("ports") or []:
        if port == p.get("name") or port == p.get("containerPort"):
            return p["containerPort"]
    raise AssertionError(f"port {port!r} is not a port of container "
                         f"{container.get('name')}")


def config_path_of(args):
    assert "--config" in args, f"no --config in {args}"
    i = args.index("--config")
    assert i + 1 < len(args), f"--config without a file in {args}"
    return args[i + 1]


def documented_partitions():
    """{topic: partitions} from the kafka-topics.sh --create commands of
    deploy/README.md."""
    text = read(README).replace("\\\n", " ")
    out = {}
    for line in text.splitlines():
        if "kafka-topics.sh" not in line or "--create" not in line:
            continue
        t = re.search(r"--topic[= ]+(\S+)", line)
        p = re.search(r"--partitions[= ]+(\d+)", line)
        if t and p:
            out[t.group(1)] = int(p.group(1))
    return out


def input_topics(d):
    eff = d.effective()
    return [eff[f"topics.{k}"] for k in INPUT_KEYS]


def documented_input_partitions(d):
    parts = documented_partitions()
    counts = set()
    for t in input_topics(d):
        assert t in parts, f"{rel(README)} has no kafka-topics.sh --create " \
                           f"with --partitions for {t}"
        counts.add(parts[t])
    assert len(counts) == 1, \
        f"the input topics must have one partition count, README has {counts}"
    return counts.pop()


def deps_dev_packages():
    """The -dev packages scripts/deps.sh installs for the build."""
    text = read(os.path.join(ROOT, "scripts", "deps.sh"))
    m = re.search(r"PACKAGES=\((.*?)\)", text, re.S)
    assert m, "no PACKAGES=( ... ) in scripts/deps.sh"
    words = re.sub(r"#[^\n]*", "", m.group(1)).split()
    return [w for w in words if w.endswith("-dev")]


def need_tool(name, package):
    """The path of the program name; fails (never skips) when it is
    missing: scripts/deps.sh installs it with package."""
    path = shutil.which(name)
    assert path, f"{name} not found: install {package} (scripts/deps.sh " \
                 f"does)"
    return path


def runtime_packages():
    """Debian packages of the shared libraries convtrack needs (readelf's
    NEEDED entries, located by ldd, owned per dpkg)."""
    binary = convtrack_bin()
    for tool, package in (("readelf", "binutils"), ("ldd", "libc-bin"),
                          ("dpkg-query", "dpkg")):
        need_tool(tool, package)
    r = subprocess.run(["readelf", "-d", binary], capture_output=True,
                       text=True)
    assert r.returncode == 0, f"readelf -d {binary}: {r.stderr.strip()}"
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                        r.stdout)
    assert needed, f"readelf -d {binary} lists no NEEDED library"
    paths = dict(re.findall(r"^\s*(\S+) => (\S+)",
                            subprocess.run(["ldd", binary],
                                           capture_output=True,
                                           text=True).stdout, re.M))
    pkgs = set()
    for lib in needed:
        if SANITIZER_LIB.match(lib):
            continue
        assert lib in paths, f"ldd does not resolve {lib}"
        real = os.path.realpath(paths[lib])
        candidates = {paths[lib], real}
        for c in list(candidates):     # merged /usr: /lib is /usr/lib
            candidates.add(c[4:] if c.startswith("/usr/") else "/usr" + c)
        owner = None
        for c in sorted(candidates):
            q = subprocess.run(["dpkg-query", "-S", c], capture_output=True,
                               text=True)
            if q.returncode == 0:
                owner = q.stdout.split(":")[0].strip()
                break
        assert owner, f"no Debian package owns {lib} ({real})"
        if owner not in BASE_PACKAGES:
            pkgs.add(owner)
    return sorted(pkgs)


def dockerfile_instructions():
    """[(INSTRUCTION, argument)] with continuation lines joined."""
    out, cur = [], ""
    for line in read(DOCKERFILE).splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if s.startswith("#"):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        ins, _, arg = cur.partition(" ")
        out.append((ins.upper(), arg.strip()))
        cur = ""
    return out


def compose_env(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    return env


def compose_command(svc):
    c = svc.get("command")
    if isinstance(c, str):
        return c.split()
    return list(c or [])


# ---- checks ----

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


@check
def yaml_files_parse(d):
    files = yaml_files()
    assert COMPOSE in files, f"{rel(COMPOSE)} is missing"
    assert d.errors == {}, "; ".join(f"{rel(p)}: {e}"
                                     for p, e in d.errors.items())
    for path in files:
        assert d.docs.get(path), f"{rel(path)} holds no document"


@check
def k8s_objects_well_formed_and_namespace_agnostic(d):
    kinds = set()
    for path, obj in d.k8s_objects():
        assert isinstance(obj, dict), f"{rel(path)}: not a mapping"
        assert obj.get("apiVersion") and obj.get("kind"), \
            f"{rel(path)}: no apiVersion/kind"
        kinds.add(obj["kind"])
        if obj["kind"] == "Kustomization":
            assert "namespace" not in obj, \
                f"{rel(path)} sets a namespace"
            continue
        md = obj.get("metadata") or {}
        assert md.get("name"), f"{rel(path)}: {obj['kind']} without a name"
        assert "namespace" not in md, \
            f"{rel(path)}: {obj['kind']} {md['name']} sets a namespace"
    want = {"ConfigMap", "Secret", "Deployment", "PodDisruptionBudget",
            "ScaledObject", "Service", "Kustomization"}
    assert want <= kinds, f"missing kinds: {sorted(want - kinds)}"


def secret_env(d):
    """The worker's environment keys that its example Secret sets."""
    data = d.one("Secret", WORKER).get("stringData") or {}
    return {k: str(v) for k, v in data.items() if k.startswith("CONVTRACK_")}


@check
def configmap_conf_passes_check_config(d):
    env = secret_env(d)
    assert "CONVTRACK_REDACT_HASH_KEY" in env, \
        "the example Secret does not set CONVTRACK_REDACT_HASH_KEY"
    r = run_convtrack("--config", d.conf_file(), "run", "--check-config",
                      extra_env=env)
    assert r.returncode == 0, \
        f"--check-config exited {r.returncode}: {r.stderr.strip()}"


@check
def configmap_conf_without_hash_key_is_refused(d):
    """A production config in hash mode needs the Secret's key: without it
    the worker refuses to start rather than use the public demo key."""
    r = run_convtrack("--config", d.conf_file(), "run", "--check-config")
    assert r.returncode == 2, \
        f"--check-config without a hash key exited {r.returncode}, want 2"
    assert "redact.hash_key" in r.stderr, \
        f"the message does not name redact.hash_key: {r.stderr.strip()}"


@check
def configmap_conf_with_unknown_key_is_refused(d):
    text = d.conf_text()
    m = re.search(r"^(\s*)kafka\s*=\s*\{[^\n]*\n", text, re.M)
    assert m, "no kafka section in the ConfigMap's convtrack.conf"
    broken = text[:m.end()] + "    unknown_key_for_test = 1;\n" + \
        text[m.end():]
    r = run_convtrack("--config", d.conf_file("broken.conf", broken), "run",
                      "--check-config")
    assert r.returncode == 2, f"an unknown key: exit {r.returncode}, want 2"
    assert "kafka.unknown_key_for_test" in r.stderr, \
        f"the message does not name the key: {r.stderr.strip()}"
    broken = text + "\nno_such_section = { x = 1; };\n"
    r = run_convtrack("--config", d.conf_file("broken2.conf", broken), "run",
                      "--check-config")
    assert r.returncode == 2, \
        f"an unknown section: exit {r.returncode}, want 2"


@check
def configmap_conf_holds_no_secret(d):
    eff = d.effective()
    assert eff.get("postgres.conninfo") in ("", None), \
        "postgres.conninfo belongs in the Secret, not the ConfigMap"
    assert eff.get("serve.postgres.conninfo") in ("", None), \
        "serve.postgres.conninfo belongs in serve's Secret, not the ConfigMap"
    for k in ("redact.hash_key", "serve.cursor_key"):
        assert k in eff and eff[k] is None, \
            f"{k} belongs in a Secret, not the ConfigMap"
    assert not re.search(r'name\s*=\s*"[^"]*(password|secret)',
                         d.conf_text()), \
        "a password among kafka.properties: use the Secret " \
        "(CONVTRACK_KAFKA_PROPERTIES_...)"


@check
def compose_conf_passes_check_config(d):
    svc = d.compose()["services"]["convtrack"]
    cpath = config_path_of(compose_command(svc))
    for v in svc.get("volumes") or []:
        src, _, rest = v.partition(":")
        target = rest.split(":")[0]
        if target == cpath:
            host = os.path.normpath(os.path.join(DEPLOY, src))
            assert os.path.isfile(host), f"{src} (mounted at {cpath}) missing"
            env = {k: str(v) for k, v in
                   (svc.get("environment") or {}).items()
                   if k.startswith("CONVTRACK_")}
            r = run_convtrack("--config", host, "run", "--check-config",
                              extra_env=env)
            assert r.returncode == 0, \
                f"{rel(host)}: --check-config exited {r.returncode}: " \
                f"{r.stderr.strip()}"
            return
    raise AssertionError(f"compose mounts nothing at {cpath}")


@check
def one_image_everywhere(d):
    images = {}
    for dep in d.deployments():
        for c in dep["spec"]["template"]["spec"]["containers"] + \
                (dep["spec"]["template"]["spec"].get("initContainers") or []):
            images[f"{dep['metadata']['name']}/{c['name']}"] = c.get("image")
    for name, svc in d.compose()["services"].items():
        if name.startswith("convtrack"):
            images[f"compose/{name}"] = svc.get("image")
    values = set(images.values())
    assert len(values) == 1, f"different images: {images}"
    image = values.pop()
    assert image, "a container without an image"
    name, _, tag = image.rpartition(":")
    assert name.split("/")[-1] == "convtrack", f"image {image}: not convtrack"
    assert tag and tag != "latest", f"image {image}: pin a version tag"
    assert tag == image_tag_version(), \
        f"image tag {tag} != project version {image_tag_version()}"
    for name, svc in d.compose()["services"].items():
        if name.startswith("convtrack"):
            b = svc.get("build") or {}
            df = os.path.normpath(os.path.join(DEPLOY, b.get("context", "."),
                                               b.get("dockerfile",
                                                     "Dockerfile")))
            assert df == DOCKERFILE, \
                f"compose/{name} builds {df}, not {rel(DOCKERFILE)}"
    assert f"-t {image}" in read(README), \
        f"{rel(README)} does not show `docker build ... -t {image}`"


@check
def containers_run_convtrack_with_expected_args(d):
    spec = d.pod_spec(WORKER)
    inits = spec.get("initContainers") or []
    want = [("migrate", c) for c in inits] + \
        [("run", c) for c in spec["containers"]]
    assert any(w == "migrate" for w, _ in want), \
        "no init container runs `convtrack migrate`"
    for cmd, c in want:
        assert "command" not in c, \
            f"{c['name']}: `command` overrides the image's convtrack entrypoint"
        args = c.get("args") or []
        assert args and args[-1] == cmd, \
            f"{c['name']}: args {args}, want [..., {cmd!r}]"
        assert args[:-1] == ["--config", config_path_of(args)], \
            f"{c['name']}: args {args}"
        assert "--check-config" not in args
    services = d.compose()["services"]
    for name, cmd in (("convtrack", "run"), ("convtrack-migrate", "migrate")):
        assert name in services, f"compose has no service {name}"
        args = compose_command(services[name])
        assert args and args[-1] == cmd, f"compose/{name}: command {args}"
        config_path_of(args)
        assert "entrypoint" not in services[name], \
            f"compose/{name} overrides the entrypoint"


@check
def configmap_mounted_where_config_points(d):
    cm = d.configmap()
    for comp in (WORKER, SERVE):
        configmap_mounted_in(cm, d.pod_spec(comp), d.all_containers(comp))


def configmap_mounted_in(cm, spec, containers):
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    for c in containers:
        cpath = config_path_of(c["args"])
        ok = False
        for m in c.get("volumeMounts") or []:
            v = volumes.get(m["name"]) or {}
            cmv = v.get("configMap")
            if not cmv or cmv.get("name") != cm["metadata"]["name"]:
                continue
            keys = {i["key"]: i["path"] for i in cmv.get("items") or []} \
                or {k: k for k in cm.get("data") or {}}
            if m.get("subPath"):
                files = {m["mountPath"]: m["subPath"]}
            else:
                files = {m["mountPath"].rstrip("/") + "/" + p: p
                         for p in keys.values()}
            for path, p in files.items():
                if path == cpath and keys.get("convtrack.conf") == p:
                    ok = True
        assert ok, f"{c['name']}: the ConfigMap's convtrack.conf is not " \
                   f"mounted at {cpath}"


@check
def probes_hit_healthz_and_readyz_on_http_port(d):
    c = d.main_container()
    port = http_port(d)
    named = [p for p in c.get("ports") or [] if p.get("name") == "http"]
    assert named and named[0]["containerPort"] == port, \
        f"no container port named http = {port}"
    for probe, path in (("livenessProbe", "/healthz"),
                        ("readinessProbe", "/readyz"),
                        ("startupProbe", "/healthz")):
        p = c.get(probe)
        if probe == "startupProbe" and p is None:
            continue
        assert p, f"no {probe}"
        get = p.get("httpGet") or {}
        assert get.get("path") == path, f"{probe} path {get.get('path')}"
        assert resolve_port(c, get.get("port")) == port, \
            f"{probe} port {get.get('port')} is not {port}"
    ann = d.deployment()["spec"]["template"]["metadata"].get(
        "annotations") or {}
    if "prometheus.io/port" in ann:
        assert str(ann["prometheus.io/port"]) == str(port)
        assert ann.get("prometheus.io/path", "/metrics") == "/metrics"
    svc = d.one("Service", WORKER)
    sp = svc["spec"]["ports"]
    assert any(resolve_port(c, p.get("targetPort", p["port"])) == port
               for p in sp), "the Service does not target the http port"
    labels = d.deployment()["spec"]["template"]["metadata"]["labels"]
    sel = svc["spec"]["selector"]
    assert sel and all(labels.get(k) == v for k, v in sel.items()), \
        "the Service does not select the Deployment's pods"
    assert str(port) in compose_expose(d), \
        f"compose/convtrack does not expose {port}"


def compose_expose(d):
    svc = d.compose()["services"]["convtrack"]
    out = [str(p) for p in svc.get("expose") or []]
    for p in svc.get("ports") or []:
        out.append(str(p).split(":")[-1].split("/")[0])
    return out


@check
def grace_period_covers_the_drain(d):
    grace = d.pod_spec().get("terminationGracePeriodSeconds")
    assert isinstance(grace, int) and grace >= MIN_GRACE_S, \
        f"terminationGracePeriodSeconds {grace} < {MIN_GRACE_S}"
    wait_s = d.effective().get("batch.max_wait_ms", 100) / 1000.0
    assert grace >= wait_s + DLQ_FLUSH_S + 10, \
        f"terminationGracePeriodSeconds {grace} does not cover " \
        f"batch.max_wait_ms + {DLQ_FLUSH_S} s dead-letter flush + a transaction"
    sgp = d.compose()["services"]["convtrack"].get("stop_grace_period", "10s")
    m = re.fullmatch(r"(\d+)s", str(sgp))
    assert m and int(m.group(1)) >= MIN_GRACE_S, \
        f"compose stop_grace_period {sgp} < {MIN_GRACE_S}s"


@check
def resources_are_set(d):
    for c in d.all_containers():
        r = c.get("resources") or {}
        req, lim = r.get("requests") or {}, r.get("limits") or {}
        assert req.get("cpu") and req.get("memory"), \
            f"{c['name']}: requests cpu and memory"
        assert lim.get("memory"), f"{c['name']}: limits memory"


@check
def pods_run_as_non_root(d):
    users = [a for i, a in dockerfile_instructions() if i == "USER"]
    assert users, "the Dockerfile sets no USER"
    duid = users[-1].split(":")[0]
    assert duid.isdigit() and int(duid) != 0, \
        f"the image's USER {users[-1]} is not a non-root numeric uid"
    for comp in (WORKER, SERVE):
        spec = d.pod_spec(comp)
        psc = spec.get("securityContext") or {}
        assert psc.get("runAsNonRoot") is True, \
            f"{comp}: runAsNonRoot is not true"
        uid = psc.get("runAsUser")
        assert uid is None or uid == int(duid), \
            f"{comp}: runAsUser {uid} != the image's USER {duid}"
        assert (psc.get("seccompProfile") or {}).get("type") == \
            "RuntimeDefault", f"{comp}: seccompProfile is not RuntimeDefault"
        assert spec.get("automountServiceAccountToken") is False, \
            f"{comp}: mounts a service account token it has no use for"
        for c in d.all_containers(comp):
            sc = c.get("securityContext") or {}
            assert sc.get("allowPrivilegeEscalation") is False, \
                f"{c['name']}: allowPrivilegeEscalation is not false"
            assert sc.get("readOnlyRootFilesystem") is True, \
                f"{c['name']}: readOnlyRootFilesystem is not true"
            assert "ALL" in ((sc.get("capabilities") or {}).get("drop")
                             or []), f"{c['name']}: capabilities not dropped"
            assert not (sc.get("capabilities") or {}).get("add"), \
                f"{c['name']}: adds capabilities"
            assert not sc.get("privileged"), f"{c['name']}: privileged"


@check
def secret_provides_conninfo(d):
    secret = d.one("Secret", WORKER)
    data = dict(secret.get("stringData") or {})
    data.update({k: base64.b64decode(v).decode()
                 for k, v in (secret.get("data") or {}).items()})
    key = env_name("postgres.conninfo")
    assert key == "CONVTRACK_POSTGRES_CONNINFO"
    assert key in data, f"the Secret has no {key}"
    for k, v in data.items():
        low = str(v).lower()
        assert "example" in low or "change" in low, \
            f"secret.example.yaml: {k} does not look like a placeholder"
    name = secret["metadata"]["name"]
    for c in d.all_containers(WORKER):
        from_all = any((e.get("secretRef") or {}).get("name") == name
                       for e in c.get("envFrom") or [])
        from_key = any(
            e.get("name") == key and
            ((e.get("valueFrom") or {}).get("secretKeyRef") or {}).get(
                "name") == name
            for e in c.get("env") or [])
        assert from_all or from_key, \
            f"{c['name']}: {key} does not come from Secret {name}"
    kust = d.one("Kustomization")
    for r in kust.get("resources") or []:
        assert not r.endswith(".example.yaml"), \
            f"the kustomization applies the example Secret {r}"


@check
def environment_names_are_known_settings(d):
    known = {env_name(s) for s in d.effective()}
    known.add("CONVTRACK_HTTP_PORT")     # documented; coming with http.port
    names = []
    for c in d.all_containers():
        names += [(c["name"], e["name"]) for e in c.get("env") or []]
    for secret in d.all_of("Secret"):
        names += [(f"Secret {secret['metadata']['name']}", k)
                  for k in list(secret.get("stringData") or {}) +
                  list(secret.get("data") or {})]
    for sname, svc in d.compose()["services"].items():
        names += [(f"compose/{sname}", k) for k in compose_env(svc)]
    for where, n in names:
        if not n.startswith("CONVTRACK_") or \
                n.startswith("CONVTRACK_KAFKA_PROPERTIES_"):
            continue
        assert n in known, f"{where}: {n} is not a convtrack setting"


@check
def keda_scales_the_deployment_within_partitions(d):
    so = d.one("ScaledObject", WORKER)
    dep = d.deployment()
    spec = so["spec"]
    ref = spec["scaleTargetRef"]
    assert ref.get("kind", "Deployment") == "Deployment" and \
        ref["name"] == dep["metadata"]["name"], \
        f"scaleTargetRef {ref} is not the Deployment"
    parts = documented_input_partitions(d)
    mx, mn = spec.get("maxReplicaCount"), spec.get("minReplicaCount", 0)
    assert isinstance(mx, int) and 1 <= mx <= parts, \
        f"maxReplicaCount {mx} not in 1..{parts} (the partition count)"
    assert isinstance(mn, int) and 1 <= mn <= mx, \
        f"minReplicaCount {mn} not in 1..{mx}"
    assert "replicas" not in dep["spec"], \
        "the Deployment sets replicas, which the HPA KEDA manages owns"
    eff = d.effective()
    topics = []
    for t in spec.get("triggers") or []:
        assert t.get("type") == "kafka", f"trigger type {t.get('type')}"
        m = t.get("metadata") or {}
        assert m.get("consumerGroup") == eff["kafka.group_id"], \
            f"consumerGroup {m.get('consumerGroup')} != kafka.group_id"
        assert m.get("bootstrapServers") == eff["kafka.brokers"], \
            f"bootstrapServers {m.get('bootstrapServers')} != kafka.brokers"
        lag = str(m.get("lagThreshold", ""))
        assert lag.isdigit() and int(lag) > 0, f"lagThreshold {lag!r}"
        assert str(m.get("allowIdleConsumers", "false")) == "false", \
            "allowIdleConsumers lets replicas exceed the partitions"
        assert m.get("offsetResetPolicy", "latest") == "earliest", \
            "offsetResetPolicy differs from the worker's (earliest)"
        topics.append(m.get("topic"))
    assert sorted(topics) == sorted(input_topics(d)), \
        f"triggers watch {topics}, want the four input topics"


@check
def pdb_selects_the_deployment_pods(d):
    pdb = d.one("PodDisruptionBudget", WORKER)
    dep = d.deployment()
    labels = dep["spec"]["template"]["metadata"]["labels"]
    sel = dep["spec"]["selector"]["matchLabels"]
    assert all(labels.get(k) == v for k, v in sel.items()), \
        "the Deployment's selector does not match its pod template"
    psel = (pdb["spec"].get("selector") or {}).get("matchLabels") or {}
    assert psel and all(labels.get(k) == v for k, v in psel.items()), \
        f"PDB selector {psel} does not select the Deployment's pods"
    assert ("maxUnavailable" in pdb["spec"]) != \
        ("minAvailable" in pdb["spec"]), \
        "the PDB needs one of maxUnavailable, minAvailable"


@check
def compose_runs_postgres_kraft_kafka_topics_and_convtrack(d):
    comp = d.compose()
    services = comp["services"]
    for name in ("postgres", "kafka", "kafka-init-topics",
                 "convtrack-migrate", "convtrack"):
        assert name in services, f"compose has no service {name}"
    assert re.match(r"(docker\.io/)?(library/)?postgres:15",
                    services["postgres"]["image"]), \
        f"postgres image {services['postgres']['image']} is not 15"
    text = read(COMPOSE).lower()
    assert "zookeeper" not in text.replace("no zookeeper", ""), \
        "compose mentions ZooKeeper: Kafka must run in KRaft mode"
    kenv = compose_env(services["kafka"])
    roles = str(kenv.get("KAFKA_PROCESS_ROLES", ""))
    assert "broker" in roles and "controller" in roles, \
        f"KAFKA_PROCESS_ROLES {roles!r}: not a KRaft broker+controller"
    assert kenv.get("KAFKA_CONTROLLER_QUORUM_VOTERS"), "no quorum voters"
    cid = str(kenv.get("CLUSTER_ID", ""))
    raw = base64.urlsafe_b64decode(cid + "=" * (-len(cid) % 4))
    assert len(raw) == 16, f"CLUSTER_ID {cid!r} is not a base64 UUID"
    adv = str(kenv.get("KAFKA_ADVERTISED_LISTENERS", ""))

    env = compose_env(services["convtrack"])
    brokers = env.get("CONVTRACK_KAFKA_BROKERS")
    assert brokers and f"//{brokers}" in adv, \
        f"CONVTRACK_KAFKA_BROKERS {brokers} is not an advertised listener"
    conninfo = str(env.get("CONVTRACK_POSTGRES_CONNINFO", ""))
    assert "host=postgres" in conninfo, \
        f"CONVTRACK_POSTGRES_CONNINFO {conninfo!r} does not reach postgres"

    def deps(name):
        return services[name].get("depends_on") or {}
    assert (deps("kafka-init-topics").get("kafka") or {}).get(
        "condition") == "service_healthy", "topic init does not wait for kafka"
    assert "healthcheck" in services["kafka"], "kafka has no healthcheck"
    assert "healthcheck" in services["postgres"], "postgres has no healthcheck"
    assert (deps("convtrack-migrate").get("postgres") or {}).get(
        "condition") == "service_healthy", "migrate does not wait for postgres"
    for dep in ("kafka-init-topics", "convtrack-migrate"):
        assert (deps("convtrack").get(dep) or {}).get("condition") == \
            "service_completed_successfully", \
            f"convtrack does not wait for {dep} to complete"


@check
def compose_creates_the_six_topics(d):
    svc = d.compose()["services"]["kafka-init-topics"]
    script = " ".join(compose_command(svc) + list(svc.get("entrypoint") or []))
    created = {}
    for line in re.split(r"\n|;|&&", script.replace("\\\n", " ")):
        if "kafka-topics.sh" in line and "--create" in line:
            t = re.search(r"--topic[= ]+(\S+)", line)
            p = re.search(r"--partitions[= ]+(\d+)", line)
            assert t and p, f"topic creation without --partitions: {line}"
            created[t.group(1)] = (int(p.group(1)), line)
    # compose's worker runs deploy/convtrack.conf: the default topic names
    r = run_convtrack("--config", os.path.join(DEPLOY, "convtrack.conf"),
                      "--print-config", "run")
    assert r.returncode == 0, \
        f"deploy/convtrack.conf: --print-config exited {r.returncode}: " \
        f"{r.stderr.strip()}"
    eff = parse_printed_config(r.stdout)
    names = [eff[f"topics.{k}"] for k in TOPIC_KEYS]
    missing = [n for n in names if n not in created]
    assert not missing, f"kafka-init-topics does not create {missing}"
    counts = {created[eff[f'topics.{k}']][0] for k in INPUT_KEYS}
    assert len(counts) == 1, f"input topics with different partitions {counts}"
    assert counts.pop() == documented_input_partitions(d), \
        "compose's partition count differs from deploy/README.md's"
    assert "retention.ms" in created[eff["topics.dead_letter"]][1], \
        "the dead-letter topic has no retention.ms"


@check
def readme_documents_topics(d):
    text = read(README)
    parts = documented_partitions()
    eff = d.effective()
    for k in TOPIC_KEYS:
        assert eff[f"topics.{k}"] in parts, \
            f"README creates no topic {eff[f'topics.{k}']} with partitions"
    documented_input_partitions(d)
    assert re.search(r"[Kk]ey\W+(=\s*)?`?session_id", text), \
        "README does not say the key is session_id"
    dl = re.search(r"--topic[= ]+" + re.escape(eff["topics.dead_letter"]) +
                   r"[^\n]*", text.replace("\\\n", " "))
    assert dl and "retention.ms" in dl.group(0), \
        "README gives the dead-letter topic no retention.ms"
    for word in ("terminationGracePeriodSeconds", "maxReplicaCount",
                 "init container"):
        assert word in text, f"README does not explain {word}"


@check
def dockerfile_builds_like_the_readme(d):
    ins = dockerfile_instructions()
    args = {}
    for i, a in ins:
        if i == "ARG" and "=" in a:
            k, v = a.split("=", 1)
            args.setdefault(k, v)
    froms = [re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""),
                    a.split()[0]) for i, a in ins if i == "FROM"]
    assert len(froms) >= 2, "not a multi-stage build"
    assert all(f == "debian:12-slim" for f in froms), \
        f"stages not on debian:12-slim: {froms}"
    last = max(n for n, (i, _) in enumerate(ins) if i == "FROM")
    build = " ".join(a for i, a in ins[:last] if i == "RUN")
    final = " ".join(a for i, a in ins[last:] if i == "RUN")

    def has(text, p):
        return re.search(r"(^|\s)" + re.escape(p) + r"(\s|$)", text)
    assert re.search(r"cmake -S \. -B build\b[^&]*-DCT_BUILD_TESTS=OFF",
                     build) and "-DCMAKE_BUILD_TYPE=Release" in build and \
        "cmake --build build" in build, "the build steps differ from README's"
    build_pkgs = list(BUILD_TOOLS) + deps_dev_packages()
    for p in build_pkgs:
        assert has(build, p), \
            f"build stage: {p} (scripts/deps.sh) is not installed"
        assert not has(final, p), f"build package {p} in the runtime stage"
    runtime = runtime_packages()
    assert runtime, "no Debian package found for the libraries convtrack " \
                    "links"
    for p in runtime:
        assert has(final, p), \
            f"runtime stage: {p} (a library convtrack links) is not " \
            f"installed"
    ep = [a for i, a in ins if i == "ENTRYPOINT"]
    assert ep and ep[-1].startswith("[") and \
        os.path.basename(yaml.safe_load(ep[-1])[0]) == "convtrack", \
        f"ENTRYPOINT {ep} is not convtrack (exec form)"
    cmd = [a for i, a in ins if i == "CMD"]
    assert cmd and yaml.safe_load(cmd[-1]) == ["run"], f"CMD {cmd}"
    # everything the top-level CMakeLists.txt reads is copied
    copied = set()
    for i, a in ins:
        if i == "COPY" and "--from" not in a:
            srcs = a.split()[:-1]
            for s in srcs:
                assert os.path.exists(os.path.join(ROOT, s)), \
                    f"COPY {s}: not in the repository"
                copied.add(os.path.normpath(s))
    cml = read(os.path.join(ROOT, "CMakeLists.txt"))
    for m in set(re.findall(r"\$\{CMAKE_SOURCE_DIR\}/([\w.-]+(?:/[\w.-]+)?)",
                            cml)):
        if m.startswith("tests"):
            continue
        top = os.path.normpath(m)
        assert any(top == c or top.startswith(c + "/") for c in copied), \
            f"CMakeLists.txt reads {m}, which the Dockerfile does not copy"
    assert "CMakeLists.txt" in copied


@check
def kustomization_lists_the_manifests(d):
    kust = d.one("Kustomization")
    res = kust.get("resources") or []
    for r in res:
        assert os.path.isfile(os.path.join(K8S, r)), f"{r}: no such file"
    files = {os.path.basename(p) for p, _ in d.k8s_objects()}
    want = {f for f in files if f != "kustomization.yaml" and
            not f.endswith(".example.yaml")}
    assert set(res) == want, \
        f"kustomization resources {sorted(res)}, manifests {sorted(want)}"


@check
def kustomize_renders(d):
    kubectl = need_tool("kubectl", "kubernetes-client")
    r = subprocess.run([kubectl, "kustomize", K8S], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, f"kubectl kustomize: {r.stderr.strip()}"
    kinds = sorted(o["kind"] for o in yaml.safe_load_all(r.stdout) if o)
    assert kinds == sorted(["ConfigMap", "Deployment", "Service",
                            "PodDisruptionBudget", "ScaledObject",
                            "Deployment", "Service",
                            "PodDisruptionBudget"]), kinds


# ---- convtrack serve: the caller API ----

SECRET_ENV = re.compile(r"PASSWORD|SECRET|TOKEN|CONNINFO|_KEY$")


def labels_selected(selector, labels):
    return bool(selector) and all(labels.get(k) == v
                                  for k, v in selector.items())


def template_labels(dep):
    return dep["spec"]["template"]["metadata"].get("labels") or {}


def container_env(d, c):
    """{name: (source, value)} of a container's environment as Kubernetes
    builds it (envFrom first, env over it); source is "value", or
    "secret/NAME" with the value the example Secret gives (None when it
    has no such key)."""
    out = {}
    for e in c.get("envFrom") or []:
        ref = e.get("secretRef")
        assert ref, f"{c['name']}: envFrom {e}: only Secrets are expected"
        secret = d.secret(ref["name"])
        for k, v in (secret.get("stringData") or {}).items():
            out[(e.get("prefix") or "") + k] = (f"secret/{ref['name']}",
                                                str(v))
    for e in c.get("env") or []:
        if "value" in e:
            out[e["name"]] = ("value", str(e["value"]))
            continue
        ref = (e.get("valueFrom") or {}).get("secretKeyRef")
        assert ref, f"{c['name']}: env {e['name']}: a value or a Secret key"
        data = d.secret(ref["name"]).get("stringData") or {}
        out[e["name"]] = (f"secret/{ref['name']}", data.get(ref["key"]))
    return out


def serve_container(d):
    return d.main_container(SERVE)


def serve_env(d, overrides=None):
    """The CONVTRACK_* and PG* variables of serve's container."""
    env = {k: v for k, (_, v) in container_env(d, serve_container(d)).items()
           if v is not None and (k.startswith("CONVTRACK_") or
                                 k.startswith("PG"))}
    env.update(overrides or {})
    return env


def serve_effective(d):
    """serve's effective configuration: the ConfigMap's file and the
    container's environment, as convtrack prints it."""
    if d._serve_effective is None:
        r = run_convtrack("--config", d.conf_file(), "--print-config", "serve",
                          extra_env=serve_env(d))
        assert r.returncode == 0, \
            f"serve: --print-config exited {r.returncode}: " \
            f"{r.stderr.strip()}"
        d._serve_effective = parse_printed_config(r.stdout)
    return d._serve_effective


def serve_port(d):
    port = serve_effective(d).get("serve.port")
    assert isinstance(port, int) and port > 0, \
        f"serve.port {port!r}: the probes need a fixed port"
    return port


def secret_volume_file(d, c, spec, path):
    """(Secret name, key, file mode) of the Secret volume file mounted at
    path in container c, or None."""
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    for m in c.get("volumeMounts") or []:
        sv = (volumes.get(m["name"]) or {}).get("secret")
        if not sv:
            continue
        secret = d.secret(sv["secretName"])
        items = {i["key"]: (i["path"], i.get("mode"))
                 for i in sv.get("items") or []} or \
            {k: (k, None) for k in secret.get("stringData") or {}}
        for key, (p, mode) in items.items():
            if m.get("subPath"):
                if m["subPath"] != p:
                    continue
                where = m["mountPath"]
            else:
                where = m["mountPath"].rstrip("/") + "/" + p
            if where == path:
                assert m.get("readOnly") is True, \
                    f"{c['name']}: {m['mountPath']} is not mounted readOnly"
                mode = mode if mode is not None else \
                    sv.get("defaultMode", 0o644)
                return sv["secretName"], key, mode
    return None


@check
def serve_runs_convtrack_serve_without_migrate(d):
    dep = d.deployment(SERVE)
    spec = dep["spec"]["template"]["spec"]
    assert not spec.get("initContainers"), \
        "serve has init containers: the worker's Deployment migrates"
    c = serve_container(d)
    assert "command" not in c, \
        f"{c['name']}: `command` overrides the image's convtrack entrypoint"
    args = c.get("args") or []
    assert args == ["--config", config_path_of(args), "serve"], \
        f"{c['name']}: args {args}, want [--config FILE, serve]"
    reps = dep["spec"].get("replicas")
    assert isinstance(reps, int) and reps >= 2, \
        f"serve replicas {reps!r}: at least 2 for availability"
    labels, sel = template_labels(dep), dep["spec"]["selector"]["matchLabels"]
    assert labels_selected(sel, labels), \
        "serve's selector does not match its pod template"
    worker = d.deployment(WORKER)
    assert not labels_selected(sel, template_labels(worker)) and \
        not labels_selected(worker["spec"]["selector"]["matchLabels"],
                            labels), \
        "the worker's and serve's Deployments select each other's pods"
    for so in d.all_of("ScaledObject"):
        assert so["spec"]["scaleTargetRef"]["name"] != \
            dep["metadata"]["name"], "KEDA scales serve on Kafka lag"
    grace = spec.get("terminationGracePeriodSeconds", 30)
    cmd = ((((c.get("lifecycle") or {}).get("preStop") or {}).get("exec")
            or {}).get("command") or [])
    if cmd and os.path.basename(cmd[0]) == "sleep":
        assert grace >= int(cmd[1]) + 5, \
            f"terminationGracePeriodSeconds {grace} does not cover preStop " \
            f"{cmd}"


@check
def serve_listens_where_probes_and_service_look(d):
    eff = serve_effective(d)
    assert eff.get("serve.bind") in ("0.0.0.0", "::"), \
        f"serve.bind {eff.get('serve.bind')!r}: unreachable from outside " \
        f"the pod (set CONVTRACK_SERVE_BIND)"
    c = serve_container(d)
    port = serve_port(d)
    named = [p for p in c.get("ports") or [] if p.get("name") == "http-api"]
    assert named and named[0]["containerPort"] == port, \
        f"no container port named http-api = serve.port {port}"
    for probe, path in (("livenessProbe", "/healthz"),
                        ("readinessProbe", "/readyz"),
                        ("startupProbe", "/healthz")):
        p = c.get(probe)
        if probe == "startupProbe" and p is None:
            continue
        assert p, f"serve: no {probe}"
        get = p.get("httpGet") or {}
        assert get.get("path") == path, \
            f"serve: {probe} path {get.get('path')}, want {path}"
        assert resolve_port(c, get.get("port")) == port, \
            f"serve: {probe} port {get.get('port')} is not {port}"
    ann = d.deployment(SERVE)["spec"]["template"]["metadata"].get(
        "annotations") or {}
    assert str(ann.get("prometheus.io/scrape")) == "true" and \
        str(ann.get("prometheus.io/port")) == str(port) and \
        ann.get("prometheus.io/path", "/metrics") == "/metrics", \
        f"serve: prometheus.io annotations {ann} do not scrape " \
        f"{port}/metrics"


@check
def serve_service_selects_serve_pods(d):
    svc = d.one("Service", SERVE)
    spec = svc["spec"]
    assert spec.get("type", "ClusterIP") == "ClusterIP" and \
        spec.get("clusterIP") != "None", \
        "serve's Service is not a ClusterIP Service"
    dep = d.deployment(SERVE)
    assert labels_selected(spec.get("selector"), template_labels(dep)), \
        "serve's Service does not select serve's pods"
    assert not labels_selected(spec.get("selector"),
                               template_labels(d.deployment(WORKER))), \
        "serve's Service selects the worker's pods"
    for other in d.all_of("Service", WORKER):
        assert not labels_selected(other["spec"].get("selector"),
                                   template_labels(dep)), \
            f"Service {other['metadata']['name']} selects serve's pods"
    c = serve_container(d)
    assert any(p.get("port") == DEFAULT_SERVE_PORT and
               resolve_port(c, p.get("targetPort", p["port"])) ==
               serve_port(d) for p in spec["ports"]), \
        f"serve's Service has no port {DEFAULT_SERVE_PORT} targeting " \
        f"serve.port"


@check
def serve_pdb_selects_serve_pods(d):
    pdb = d.one("PodDisruptionBudget", SERVE)
    dep = d.deployment(SERVE)
    sel = (pdb["spec"].get("selector") or {}).get("matchLabels") or {}
    assert labels_selected(sel, template_labels(dep)), \
        f"serve's PDB selector {sel} does not select serve's pods"
    assert not labels_selected(sel, template_labels(d.deployment(WORKER))), \
        "serve's PDB selects the worker's pods"
    mu, ma = pdb["spec"].get("maxUnavailable"), pdb["spec"].get("minAvailable")
    assert (mu is None) != (ma is None), \
        "serve's PDB needs one of maxUnavailable, minAvailable"
    if mu is not None:
        assert isinstance(mu, int) and mu >= 1, f"maxUnavailable {mu!r}"
    else:
        assert isinstance(ma, int) and ma < dep["spec"]["replicas"], \
            f"minAvailable {ma!r} blocks every drain"


@check
def serve_api_keys_file_from_a_secret(d):
    eff = serve_effective(d)
    path = eff.get("serve.api_keys_file")
    assert path, "serve.api_keys_file is not set: serve refuses to start"
    spec = d.pod_spec(SERVE)
    found = secret_volume_file(d, serve_container(d), spec, path)
    assert found, f"serve.api_keys_file {path} is not a file of a Secret " \
                  f"volume"
    name, key, mode = found
    fs_group = (spec.get("securityContext") or {}).get("fsGroup")
    assert mode & 0o004 or (mode & 0o040 and fs_group is not None), \
        f"{path}: mode {mode:o} without fsGroup: not readable by the pod's " \
        f"user"
    text = str((d.secret(name).get("stringData") or {}).get(key, ""))
    assert re.search(r"change|example", text, re.I), \
        f"Secret {name}: {key} does not look like a placeholder"
    lines = [ln.strip() for ln in text.splitlines()
             if ln.strip() and not ln.strip().startswith("#")]
    assert lines, f"Secret {name}: {key} holds no key (serve refuses it)"
    for ln in lines:
        f = ln.split()
        assert len(f) == 3 and re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", f[0]) \
            and re.fullmatch(r"[0-9a-fA-F]{64}", f[1]) and \
            set(f[2].split(",")) <= SERVE_SCOPES, \
            f"Secret {name}: {key}: {ln!r} is not " \
            f"'name sha256-hex scope[,scope]'"


@check
def serve_secrets_come_from_secrets(d):
    c = serve_container(d)
    env = container_env(d, c)
    for n, (src, v) in env.items():
        if src == "value":
            assert not SECRET_ENV.search(n), \
                f"serve: {n} is set inline; take it from a Secret"
    for n in ("CONVTRACK_SERVE_POSTGRES_CONNINFO",
              "CONVTRACK_SERVE_CURSOR_KEY", "PGPASSWORD"):
        assert n in env and env[n][0].startswith("secret/"), \
            f"serve: {n} does not come from a Secret"
        assert re.search(r"change|example", str(env[n][1]), re.I), \
            f"{env[n][0]}: {n} does not look like a placeholder"
    eff = serve_effective(d)
    assert eff.get("serve.cursor_key") is not None, \
        "serve.cursor_key is not set: each replica would sign cursors with " \
        "its own random key"
    assert eff.get("serve.postgres.conninfo"), \
        "serve.postgres.conninfo is empty: serve would connect as the worker"
    worker_secret = d.one("Secret", WORKER)["metadata"]["name"]
    refs = [(e.get("secretRef") or {}).get("name")
            for e in c.get("envFrom") or []] + \
        [((e.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name")
         for e in c.get("env") or []]
    assert worker_secret not in refs, \
        f"serve takes the worker's Secret {worker_secret}: it connects as " \
        f"its own read-only role"


@check
def serve_answers_its_probes(d):
    """The binary, started with the pod's arguments, file and environment
    (but on 127.0.0.1, a free port and an unreachable database), answers
    the probes' paths without a key."""
    c = serve_container(d)
    spec = d.pod_spec(SERVE)
    eff = serve_effective(d)
    found = secret_volume_file(d, c, spec, eff.get("serve.api_keys_file"))
    assert found, "serve.api_keys_file is not a file of a Secret volume"
    name, key, _ = found
    keys = d.conf_file("api_keys",
                       (d.secret(name).get("stringData") or {})[key])

    def free_port():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port
    port, closed = free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CONVTRACK_") and not k.startswith("PG")}
    env.update(serve_env(d, {
        "CONVTRACK_SERVE_BIND": "127.0.0.1",
        "CONVTRACK_SERVE_PORT": str(port),
        "CONVTRACK_SERVE_API_KEYS_FILE": keys,
        "CONVTRACK_SERVE_POSTGRES_CONNINFO":
            f"host=127.0.0.1 port={closed} dbname=convtrack connect_timeout=2",
    }))
    args = list(c["args"])
    args[args.index("--config") + 1] = d.conf_file()
    proc = subprocess.Popen([convtrack_bin()] + args, env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)

    def get(path):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", path)
            return conn.getresponse().status
        finally:
            conn.close()
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, \
                f"serve exited {proc.returncode}: {proc.stderr.read().strip()}"
            try:
                get("/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "serve does not listen"
                time.sleep(0.1)
        ann = d.deployment(SERVE)["spec"]["template"]["metadata"].get(
            "annotations") or {}
        for path, want in ((c["livenessProbe"]["httpGet"]["path"], 200),
                           (c["readinessProbe"]["httpGet"]["path"], 503),
                           (ann.get("prometheus.io/path", "/metrics"), 200),
                           ("/v1/openapi.yaml", 401)):
            got = get(path)
            assert got == want, f"GET {path}: {got}, want {want} (database " \
                                f"unreachable, no key)"
        proc.terminate()
        rc = proc.wait(timeout=10)
        assert rc == 0, f"serve exited {rc} on SIGTERM"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


@check
def readme_documents_serve(d):
    text = read(README)
    for word in ("convtrack serve", "serve-deployment.yaml",
                 "serve-secret.example.yaml", "CONVTRACK_SERVE_CURSOR_KEY",
                 "CONVTRACK_SERVE_POSTGRES_CONNINFO", "convtrack_api",
                 "sha256sum", "/readyz"):
        assert word in text, f"README does not explain {word}"


def main():
    d = Deploy()
    passed = failed = 0
    try:
        for fn in CHECKS:
            name = fn.__name__
            try:
                fn(d)
            except Exception as e:     # AssertionError, KeyError, ...
                failed += 1
                msg = str(e) or type(e).__name__
                if not isinstance(e, AssertionError):
                    msg = f"{type(e).__name__}: {msg}"
                print(f"FAIL - {name}: {msg}")
            else:
                passed += 1
                print(f"ok - {name}")
    finally:
        d.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
