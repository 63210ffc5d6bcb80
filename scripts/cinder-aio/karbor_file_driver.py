"""A Cinder volume driver whose volumes are plain files (test rig only).

Each volume is a sparse file `<state_path>/volumes/<volume.name>` (`volume-<id>`); snapshots
and clones are file copies. Connections are os-brick "local" connections whose device path is
that file, so cinder-backup really reads a volume's bytes and a restore really writes them.
Tests put data "written by the VM" straight into the file. No LVM, no iSCSI.
"""
import os

from oslo_config import cfg

from cinder.tests import fake_driver
from cinder.volume import volume_utils

CONF = cfg.CONF
GIB = 1024 ** 3


class FileVolumeDriver(fake_driver.FakeLoggingVolumeDriver):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.protocol = 'local'

    @staticmethod
    def _dir():
        path = os.path.join(CONF.state_path, 'volumes')
        os.makedirs(path, exist_ok=True)
        return path

    def _path(self, thing):
        return os.path.join(self._dir(), thing['name'])

    def _allocate(self, volume, size_gb):
        with open(self._path(volume), 'ab') as f:
            f.truncate(int(size_gb) * GIB)

    @staticmethod
    def _unlink(path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    @staticmethod
    def _copy(src, dst, size_gb):
        with open(src, 'rb') as s, open(dst, 'wb') as d:
            while True:
                block = s.read(4 * 1024 * 1024)
                if not block:
                    break
                d.write(block)
            d.truncate(int(size_gb) * GIB)

    @volume_utils.trace_method
    def create_volume(self, volume):
        self._allocate(volume, volume.size)
        return {'provider_location': self._path(volume)}

    @volume_utils.trace_method
    def delete_volume(self, volume):
        self._unlink(self._path(volume))

    @volume_utils.trace_method
    def extend_volume(self, volume, new_size):
        self._allocate(volume, new_size)

    @volume_utils.trace_method
    def create_snapshot(self, snapshot):
        self._copy(self._path(snapshot.volume), self._path(snapshot), snapshot.volume_size)

    @volume_utils.trace_method
    def delete_snapshot(self, snapshot):
        self._unlink(self._path(snapshot))

    @volume_utils.trace_method
    def create_volume_from_snapshot(self, volume, snapshot):
        self._copy(self._path(snapshot), self._path(volume), volume.size)
        return {'provider_location': self._path(volume)}

    @volume_utils.trace_method
    def create_cloned_volume(self, volume, src_vref):
        self._copy(self._path(src_vref), self._path(volume), volume.size)
        return {'provider_location': self._path(volume)}

    @volume_utils.trace_method
    def initialize_connection(self, volume, connector):
        return {'driver_volume_type': 'local',
                'data': {'device_path': self._path(volume), 'access_mode': 'rw'}}

    @volume_utils.trace_method
    def initialize_connection_snapshot(self, snapshot, connector):
        return {'driver_volume_type': 'local',
                'data': {'device_path': self._path(snapshot), 'access_mode': 'ro'}}

    def _update_volume_stats(self):
        super()._update_volume_stats()
        self._stats['storage_protocol'] = 'local'
        self._stats['pools'][0]['reserved_percentage'] = 0
