# deploy/kubernetes/, checked offline: every manifest parses (python3-yaml)
# and has the fields its kind needs; the pieces agree with each other (the
# RuntimeClass's handler is containerd's runtime name, the BinaryName is
# where the installer puts airlock-oci, the ConfigMap's copy is the file,
# the Service selects the Deployment's pods, the example pod names the
# RuntimeClass). No cluster here: a schema check of what we rely on, not
# the API server's.
set -u
fail() { echo "FAIL: $*"; exit 1; }
D=$REPO/deploy/kubernetes
[ -d "$D" ] || fail "$D is missing (tests/run.sh copies deploy/ beside tests/)"
python3 - "$D" <<'PY' || fail "deploy/kubernetes"
import glob, os, sys, tomllib, yaml
d = sys.argv[1]
docs = []
for p in sorted(glob.glob(os.path.join(d, "*.yaml"))):
    for doc in yaml.safe_load_all(open(p)):
        if doc is None:
            continue
        for k in ("apiVersion", "kind", "metadata"):
            assert k in doc, f"{p}: no {k}"
        assert doc["metadata"].get("name"), f"{p}: no metadata.name"
        docs.append((os.path.basename(p), doc))
kinds = {}
for p, doc in docs:
    kinds.setdefault(doc["kind"], []).append(doc)
need = {"RuntimeClass", "DaemonSet", "Deployment", "Service", "Pod", "ConfigMap", "Namespace", "Secret"}
assert need <= set(kinds), f"missing kinds: {need - set(kinds)}"
toml = tomllib.load(open(os.path.join(d, "containerd-airlock.toml"), "rb"))
rts = toml["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]
rc = kinds["RuntimeClass"][0]
assert rc["apiVersion"] == "node.k8s.io/v1" and rc["handler"] in rts, "RuntimeClass handler is not a containerd runtime"
rt = rts[rc["handler"]]
assert rt["runtime_type"] == "io.containerd.runc.v2"
assert "run.airlock.profile" in rt["pod_annotations"]
binary = rt["options"]["BinaryName"]
cm = kinds["ConfigMap"][0]
assert tomllib.loads(cm["data"]["airlock.toml"]) == {k: v for k, v in toml.items()}, "the ConfigMap's copy differs"
ds = kinds["DaemonSet"][0]
spec = ds["spec"]
assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
script = "\n".join(spec["template"]["spec"]["initContainers"][0]["command"])
assert "ln -sf airlock /host" + os.path.dirname(binary) + "/airlock-oci" in script, "the installer does not put airlock-oci at BinaryName"
mounts = {m["name"]: m["mountPath"] for m in spec["template"]["spec"]["initContainers"][0]["volumeMounts"]}
vols = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
assert vols["host-bin"]["hostPath"]["path"] == os.path.dirname(binary)
assert all(n in vols for n in mounts)
dep = kinds["Deployment"][0]
labels = dep["spec"]["template"]["metadata"]["labels"]
svc = kinds["Service"][0]
assert svc["spec"]["selector"].items() <= labels.items(), "the Service selects no pod of the Deployment"
c = dep["spec"]["template"]["spec"]["containers"][0]
assert "--listen" in c["command"] and any(x.startswith("tcp:") for x in c["command"])
port = c["ports"][0]
assert svc["spec"]["ports"][0]["targetPort"] in (port["name"], port["containerPort"])
secret = kinds["Secret"][0]
import json
json.loads(secret["stringData"]["config.json"])
vols = {v["name"]: v for v in dep["spec"]["template"]["spec"]["volumes"]}
assert vols["config"]["secret"]["secretName"] == secret["metadata"]["name"]
pod = kinds["Pod"][0]
assert pod["spec"]["runtimeClassName"] == rc["metadata"]["name"]
assert pod["metadata"]["annotations"]["run.airlock.profile"] in ("strict", "default", "python", "node", "model-eval", "agent")
ns = {doc["metadata"].get("namespace") for _, doc in docs if doc["kind"] not in ("Namespace", "RuntimeClass", "Pod")}
assert ns == {kinds["Namespace"][0]["metadata"]["name"]}, ns
print("ok:", len(docs), "manifests")
PY
