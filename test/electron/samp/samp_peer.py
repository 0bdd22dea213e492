"""
The other side of the SAMP tests, in astropy (Debian's python3-astropy):
optionally a hub (SAMPHubServer with a private lockfile), and a callable
client that records what it receives and reads each file it is sent with
astropy, so the test compares the content, not our own words about it.

usage: samp_peer.py LOCKFILE [--hub] [--name NAME]
stdout: one JSON object a line: {"ready": ...}, {"received": ...}, answers.
stdin:  one JSON command a line:
  {"cmd": "notify", "mtype": M, "params": {...}}   notifyAll as this client
  {"cmd": "clients"}                               every client id and samp.name
  {"cmd": "refuse", "mtype": M}                    answer calls of M with samp.error
  {"cmd": "quit"}
"""
import json
import os
import sys
import threading
import warnings
from urllib.parse import unquote, urlparse

warnings.simplefilter('ignore')
lockfile = sys.argv[1]
os.environ['SAMP_HUB'] = 'std-lockurl:file://' + lockfile

from astropy.samp import SAMPHubServer, SAMPIntegratedClient  # noqa: E402

out_lock = threading.Lock()


def say(obj):
    with out_lock:
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()


def local_path(url):
    u = urlparse(url)
    return unquote(u.path) if u.scheme == 'file' else None


def read_table(url):
    """The VOTable as astropy reads it: rows, column names, ids and positions."""
    from astropy.table import Table
    t = Table.read(local_path(url), format='votable')
    return {'rows': len(t), 'columns': list(t.colnames), 'id': [int(v) for v in t['id']],
            'ra': [float(v) for v in t['ra']], 'dec': [float(v) for v in t['dec']]}


def read_image(url, ra=None, dec=None):
    """The FITS image as astropy reads it, and where its WCS puts (ra, dec) when given (FITS 1-based)."""
    from astropy.io import fits
    from astropy.wcs import WCS
    with fits.open(local_path(url)) as hdul:
        h = hdul[0].header
        info = {'naxis1': h['NAXIS1'], 'naxis2': h['NAXIS2']}
        if ra is not None:
            x, y = WCS(h).all_world2pix([[ra, dec]], 1)[0]
            info['pix'] = [float(x), float(y)]
        return info


hub = None
if '--hub' in sys.argv:
    hub = SAMPHubServer(web_profile=False, lockfile=lockfile)
    hub.start(wait=False)
name = sys.argv[sys.argv.index('--name') + 1] if '--name' in sys.argv else 'astropy peer'

client = SAMPIntegratedClient(name=name, description='test peer', callable=True)
client.connect()
refused = set()
# Positions to locate in images, sent by the test with a "locate" command.
locate = {}


def on_message(private_key, sender_id, msg_id, mtype, params, extra):
    record = {'mtype': mtype, 'params': params, 'sender': sender_id, 'call': msg_id is not None}
    try:
        if mtype == 'table.load.votable':
            record['table'] = read_table(params['url'])
        elif mtype == 'image.load.fits':
            record['image'] = read_image(params['url'], locate.get('ra'), locate.get('dec'))
    except Exception as e:  # what the peer could not read is part of the record
        record['readError'] = str(e)
    say({'received': record})
    if msg_id is not None:
        if mtype in refused:
            client.reply(msg_id, {'samp.status': 'samp.error', 'samp.error': {'samp.errortxt': 'refused by the test peer'}})
        else:
            client.reply(msg_id, {'samp.status': 'samp.ok', 'samp.result': {}})


for mtype in ['table.load.votable', 'image.load.fits', 'coord.pointAt.sky', 'table.highlight.row', 'table.select.rowList']:
    client.bind_receive_call(mtype, on_message)
    client.bind_receive_notification(mtype, lambda pk, sender, mtype, params, extra: on_message(pk, sender, None, mtype, params, extra))

say({'ready': {'id': client.get_public_id(), 'hub': hub is not None}})

for line in sys.stdin:
    cmd = json.loads(line)
    c = cmd['cmd']
    if c == 'notify':
        ids = client.notify_all({'samp.mtype': cmd['mtype'], 'samp.params': cmd['params']})
        say({'notified': ids})
    elif c == 'clients':
        ids = client.get_registered_clients()
        say({'clients': [{'id': i, 'name': client.get_metadata(i).get('samp.name', '')} for i in ids]})
    elif c == 'refuse':
        refused.add(cmd['mtype'])
        say({'refusing': cmd['mtype']})
    elif c == 'locate':
        locate.update({'ra': cmd['ra'], 'dec': cmd['dec']})
        say({'locating': [cmd['ra'], cmd['dec']]})
    elif c == 'quit':
        break

client.disconnect()
if hub is not None:
    hub.stop()
say({'bye': True})
