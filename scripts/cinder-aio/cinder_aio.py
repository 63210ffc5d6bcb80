"""Cinder's api, scheduler, volume and backup services in ONE process (test rig only).

Why: a volume create travels API -> scheduler -> volume over RPC and a backup API -> backup
-> volume. Separate processes would need RabbitMQ; with `transport_url = fake:/`
oslo.messaging delivers messages only inside one process, so all four services run here
under one oslo.service launcher. Usage (scripts/cinder-up.sh does this):

    PYTHONPATH=scripts/cinder-aio /usr/bin/python3 cinder_aio.py --config-file cinder.conf
"""
import eventlet
eventlet.monkey_patch()

import logging as python_logging  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402

import os_brick  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402
from oslo_privsep import priv_context  # noqa: E402
from oslo_service import service as oslo_service  # noqa: E402

from cinder.common import config  # noqa: E402,F401
from cinder.common import constants  # noqa: E402
from cinder import coordination  # noqa: E402
from cinder import objects  # noqa: E402
from cinder import rpc  # noqa: E402
from cinder import service  # noqa: E402
from cinder import utils  # noqa: E402
from cinder import version  # noqa: E402

CONF = cfg.CONF
backend_host_opt = cfg.StrOpt('backend_host', help='Backend override of host value.')

# cinder.service.Service.service_id is a CLASS attribute: Cinder assumes one service per
# process. With four in one process every heartbeat would update the row of the service
# created last, the others would turn "down" after service_down_time and the scheduler would
# answer "No valid backend". Point it at the calling service's own row before each heartbeat
# (nothing yields between this assignment and its use in report_state).
_report_state = service.Service.report_state


def _report_own_state(self):
    service.Service.service_id = self.origin_service_id
    return _report_state(self)


service.Service.report_state = _report_own_state


def main():
    objects.register_all()
    # registers backup_workers / backup_max_operations, which the backup service reads
    from cinder.cmd import backup as _backup_cmd  # noqa: F401
    CONF(sys.argv[1:], project='cinder', version=version.version_string())
    config.set_middleware_defaults()
    logging.setup(CONF, 'cinder')
    python_logging.captureWarnings(True)
    priv_context.init(root_helper=shlex.split(utils.get_root_helper()))
    utils.monkey_patch()
    os_brick.setup(CONF)
    log = logging.getLogger('cinder_aio')
    coordination.COORDINATOR.start()
    rpc.init(CONF)
    launcher = oslo_service.ServiceLauncher(CONF, restart_method='mutate')
    launcher.launch_service(service.WSGIService('osapi_volume'))
    launcher.launch_service(service.Service.create(binary='cinder-scheduler'))
    for backend in filter(None, CONF.enabled_backends):
        CONF.register_opt(backend_host_opt, group=backend)
        host = '%s@%s' % (getattr(CONF, backend).backend_host or CONF.host, backend)
        launcher.launch_service(service.Service.create(
            host=host, service_name=backend, binary=constants.VOLUME_BINARY,
            coordination=True))
    launcher.launch_service(service.Service.create(
        binary='cinder-backup', coordination=True, service_name='backup',
        process_number=1,
        semaphore=utils.semaphore_factory(CONF.backup_max_operations, 1)))
    log.info('cinder all-in-one started: api, scheduler, volume (%s), backup',
             ', '.join(filter(None, CONF.enabled_backends)))
    launcher.wait()


if __name__ == '__main__':
    main()
