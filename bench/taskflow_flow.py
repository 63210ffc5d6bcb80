"""The Karbor-shaped resource flow of bench/flow.ts, in OpenStack TaskFlow (the baseline).

Builds what Karbor's protect flow builds (resource_flow.py, flows/protect.py): a linear flow
of Initiate -> graph flow of hook tasks -> Complete, where the graph flow has four no-op hook
tasks per resource named <op>_<hook>_<type>_<id>, linked prepare_begin -> prepare_finish ->
main -> complete, plus parent.prepare_begin -> child.prepare_begin,
child.prepare_finish -> parent.prepare_finish and child.complete -> parent.complete. The
resources are SERVERS servers with four volumes each. Runs it on TaskFlow's parallel engine
(engines.load(flow, engine='parallel'), default executor) and prints one JSON line:
tasks, build_s, run_s, total_s (wall times), cpu_s (CPU time of build + run), tasks_per_s
(tasks / total_s) and max_rss_bytes (peak RSS of the process).

Most of the time goes to building: every graph_flow.link() copies the whole graph and checks
it for cycles, so building is quadratic in the number of links (Karbor links tasks one by one
in the same way).

Usage: python3 bench/taskflow_flow.py [SERVERS]   (default 200: 4,002 tasks)
Needs Debian's python3-taskflow (apt-get install -y python3-taskflow).
"""
import json
import resource
import sys
import time

from taskflow import engines, task
from taskflow.patterns import graph_flow, linear_flow

HOOKS = ("prepare_begin", "prepare_finish", "main", "complete")
VOLUMES_PER_SERVER = 4


class Noop(task.Task):
    """A task that does nothing (a no-op hook)."""

    def execute(self):
        pass


def hook_tasks(graph, op, rtype, rid):
    """Adds the four hook tasks of one resource, chained, and returns them."""
    tasks = [Noop(name="%s_%s_%s_%s" % (op, hook, rtype, rid)) for hook in HOOKS]
    graph.add(*tasks)
    for before, after in zip(tasks, tasks[1:]):
        graph.link(before, after)
    return tasks


def build(servers, op="protect"):
    """The Initiate -> resource graph -> Complete flow over `servers` servers."""
    graph = graph_flow.Flow("ResourceGraphFlow_%s" % op)
    for s in range(servers):
        parent = hook_tasks(graph, op, "OS::Nova::Server", "s%d" % s)
        for v in range(VOLUMES_PER_SERVER):
            child = hook_tasks(graph, op, "OS::Cinder::Volume", "s%dv%d" % (s, v))
            graph.link(parent[0], child[0])
            graph.link(child[1], parent[1])
            graph.link(child[3], parent[3])
    return linear_flow.Flow("Protect_bench").add(Noop(name="InitiateProtectTask"), graph, Noop(name="CompleteProtectTask"))


def main():
    servers = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    tasks = servers * (1 + VOLUMES_PER_SERVER) * len(HOOKS) + 2
    cpu = time.process_time()
    start = time.perf_counter()
    flow = build(servers)
    engine = engines.load(flow, engine="parallel")
    built = time.perf_counter()
    engine.run()
    end = time.perf_counter()
    cpu = time.process_time() - cpu
    total = end - start
    print(json.dumps({
        "tasks": tasks,
        "build_s": built - start,
        "run_s": end - built,
        "total_s": total,
        "cpu_s": cpu,
        "tasks_per_s": tasks / total,
        "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
