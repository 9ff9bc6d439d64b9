"""Checks driven through the official Kubernetes Python client.

The conformance harness runs `checks.py --list` to learn the check names, then
`checks.py --kubeconfig K --namespace NS --check NAME` once per check in a fresh
namespace. The last line printed is `PASS`, `FAIL <why>` or `SKIP <reason>`.
"""

import argparse
import os
import sys
import threading

import yaml

from kubernetes import client, config, utils, watch
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

MANIFESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "manifests")
MARK = "conformance.kube-rs.dev/check"


class Failure(Exception):
    pass


def expect_eq(what, expected, actual):
    if expected != actual:
        raise Failure(f"{what}: expected {expected!r}, got {actual!r}")


def expect_status(what, code, call):
    try:
        call()
    except ApiException as err:
        expect_eq(f"{what} status", code, err.status)
        return
    raise Failure(f"{what}: expected HTTP {code}, got success")


def config_map(name, data=None):
    return client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name, labels={MARK: "yes"}),
        data=data or {"key": "value"},
    )


def crud(api_client, ns):
    core = client.CoreV1Api(api_client)
    created = core.create_namespaced_config_map(ns, config_map("crud"))
    expect_eq("created namespace", ns, created.metadata.namespace)
    expect_eq("read data", {"key": "value"}, core.read_namespaced_config_map("crud", ns).data)
    created.data = {"key": "replaced"}
    replaced = core.replace_namespaced_config_map("crud", ns, created)
    expect_eq("replaced data", {"key": "replaced"}, replaced.data)
    names = [cm.metadata.name for cm in core.list_namespaced_config_map(ns, label_selector=MARK).items]
    expect_eq("listed names", ["crud"], names)
    core.delete_namespaced_config_map("crud", ns)
    expect_status("read after delete", 404, lambda: core.read_namespaced_config_map("crud", ns))
    core.create_namespaced_config_map(ns, config_map("twice"))
    expect_status("create twice", 409, lambda: core.create_namespaced_config_map(ns, config_map("twice")))


def watch_events(api_client, ns):
    core = client.CoreV1Api(api_client)
    rv = core.list_namespaced_config_map(ns, label_selector=MARK).metadata.resource_version

    def changes():
        core.create_namespaced_config_map(ns, config_map("watched"))
        core.patch_namespaced_config_map("watched", ns, {"data": {"key": "changed"}})
        core.delete_namespaced_config_map("watched", ns)

    writer = threading.Thread(target=changes)
    writer.start()
    seen = []
    stream = watch.Watch()
    for event in stream.stream(core.list_namespaced_config_map, ns, label_selector=MARK,
                               resource_version=rv, timeout_seconds=15):
        seen.append(f"{event['type']} {event['object'].metadata.name}")
        if len(seen) == 3:
            stream.stop()
    writer.join()
    expect_eq("events", ["ADDED watched", "MODIFIED watched", "DELETED watched"], seen)


def patch(api_client, ns):
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(ns, config_map("patched"))
    # A dict body goes out as a strategic merge patch, a list as a JSON patch.
    core.patch_namespaced_config_map("patched", ns, {"metadata": {"labels": {"tier": "front"}}})
    core.patch_namespaced_config_map("patched", ns, [{"op": "add", "path": "/data/extra", "value": "x"}])
    got = core.read_namespaced_config_map("patched", ns)
    expect_eq("labels", {MARK: "yes", "tier": "front"}, got.metadata.labels)
    expect_eq("data", {"key": "value", "extra": "x"}, got.data)
    expect_status("JSON patch test op that fails", 422, lambda: core.patch_namespaced_config_map(
        "patched", ns, [{"op": "test", "path": "/data/key", "value": "other"}]))


def create_from_yaml(api_client, ns):
    for name in ("seed001-nginx-deployment.yaml", "seed002-initc-service1.yaml"):
        utils.create_from_yaml(api_client, os.path.join(MANIFESTS, name), namespace=ns)
    deployment = client.AppsV1Api(api_client).read_namespaced_deployment("nginx-deployment", ns)
    expect_eq("deployment replicas", 4, deployment.spec.replicas)
    service = client.CoreV1Api(api_client).read_namespaced_service("myservice", ns)
    expect_eq("service port and targetPort", (80, 9376),
              (service.spec.ports[0].port, service.spec.ports[0].target_port))


def dynamic_client(api_client, ns):
    dyn = DynamicClient(api_client)
    pods = dyn.resources.get(api_version="v1", kind="Pod")
    with open(os.path.join(MANIFESTS, "unscheduled-pod.yaml")) as f:
        body = yaml.safe_load(f)
    pods.create(body=body, namespace=ns)
    got = pods.get(name="unscheduled", namespace=ns)
    expect_eq("phase", "Pending", got.status.phase)
    listed = pods.get(namespace=ns, label_selector="app=unscheduled")
    expect_eq("listed names", ["unscheduled"], [p.metadata.name for p in listed.items])
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    expect_eq("deployments namespaced", True, deployments.namespaced)
    pods.delete(name="unscheduled", namespace=ns)
    expect_status("get after delete", 404, lambda: pods.get(name="unscheduled", namespace=ns))


CHECKS = {
    "crud": crud,
    "watch": watch_events,
    "patch": patch,
    "create-from-yaml": create_from_yaml,
    "dynamic-client": dynamic_client,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--kubeconfig")
    parser.add_argument("--namespace")
    parser.add_argument("--check", choices=sorted(CHECKS))
    args = parser.parse_args()
    if args.list:
        print("\n".join(CHECKS))
        return
    api_client = config.new_client_from_config(config_file=args.kubeconfig)
    try:
        CHECKS[args.check](api_client, args.namespace)
    except Failure as err:
        print(f"FAIL {err}")
        sys.exit(1)
    except ApiException as err:
        print(f"FAIL {err.status} {err.reason}: {(err.body or '').strip()}".replace("\n", " "))
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
