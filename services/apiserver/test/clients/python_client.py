"""Drives a kapi replica with the official Python client (Debian's python3-kubernetes).

Usage: python_client.py KUBECONFIG. Prints one JSON document with what it saw.
"""
import json
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def main(kubeconfig):
    config.load_kube_config(config_file=kubeconfig)
    core = client.CoreV1Api()
    apps = client.AppsV1Api()
    out = {}

    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="py")))
    seen = []

    def watcher(rv):
        w = watch.Watch()
        for ev in w.stream(core.list_namespaced_config_map, "py", resource_version=rv, timeout_seconds=10):
            seen.append((ev["type"], ev["object"].metadata.name))
            # other writers (the kube-root-ca.crt controller) share the namespace
            if (ev["type"], ev["object"].metadata.name) == ("DELETED", "pycm"):
                w.stop()

    rv = core.list_namespaced_config_map("py").metadata.resource_version
    t = threading.Thread(target=watcher, args=(rv,))
    t.start()

    cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="pycm", labels={"lang": "python"}), data={"a": "1"})
    created = core.create_namespaced_config_map("py", cm)
    out["created_rv"] = created.metadata.resource_version
    core.patch_namespaced_config_map("pycm", "py", {"data": {"b": "2"}})
    got = core.read_namespaced_config_map("pycm", "py")
    out["data"] = got.data
    out["selected"] = [i.metadata.name for i in core.list_namespaced_config_map("py", label_selector="lang=python").items]
    core.delete_namespaced_config_map("pycm", "py", body=client.V1DeleteOptions(propagation_policy="Background"))
    t.join(15)
    out["watch"] = seen

    try:
        core.read_namespaced_config_map("pycm", "py")
        out["after_delete"] = 200
    except ApiException as e:
        out["after_delete"] = e.status
        out["after_delete_reason"] = json.loads(e.body).get("reason")

    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
        },
    }
    d = apps.create_namespaced_deployment("py", dep)
    out["deployment"] = {
        "replicas": d.spec.replicas,
        "pull": d.spec.template.spec.containers[0].image_pull_policy,
        "strategy": d.spec.strategy.type,
    }
    scale = apps.patch_namespaced_deployment_scale("web", "py", {"spec": {"replicas": 4}})
    out["scaled"] = scale.spec.replicas
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
