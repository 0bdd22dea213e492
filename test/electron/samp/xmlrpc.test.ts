/**
 * Our XML-RPC against Python's own (xmlrpc.client, what astropy's hub
 * speaks): each side reads what the other writes, with the characters that
 * break XML, non-ASCII text, nesting and empty values. Hub discovery: the
 * lockfile format and where SAMP_HUB or ~/.samp lead.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findHub, lockfileLocation, parseLockfile } from '../../../electron/samp/hub-discovery';
import { faultXml, methodCallXml, methodResponseXml, parseMethodCall, parseMethodResponse, XmlRpcFault, type XmlRpcValue } from '../../../electron/samp/xmlrpc';
import { haveAstropy, pythonText } from '../../helpers/python';

const AWKWARD: XmlRpcValue[] = [
  'a < b & c > d "quoted" \'single\' ]]> <![CDATA[x]]>',
  'Ångström, naïve – 東京 🌌',
  '',
  '  spaces kept  \n second line\ttab',
  { 'samp.mtype': 'table.load.votable', 'samp.params': { url: 'file:///tmp/my%20dir/a&b.vot', 'table-id': 'vasco-1', 'row-list': ['0', '7', '12'] } },
  [[], {}, ['nested', ['deeper']]],
  42,
  -7,
  2.5e-7,
  true,
  false,
];

describe('XML-RPC', () => {
  it.skipIf(!haveAstropy())('Python\'s xmlrpc.client reads our calls and answers as we wrote them', () => {
    const script = `
import sys, json, xmlrpc.client
call, answer = sys.stdin.read().split('\\0')
params, method = xmlrpc.client.loads(call)
(value,), _ = xmlrpc.client.loads(answer)
print(json.dumps({'method': method, 'params': list(params), 'answer': value}))`;
    const out = JSON.parse(pythonText(script, `${methodCallXml('samp.hub.notifyAll', AWKWARD)}\0${methodResponseXml(AWKWARD)}`));
    expect(out).toEqual({ method: 'samp.hub.notifyAll', params: AWKWARD, answer: AWKWARD });
  });

  it.skipIf(!haveAstropy())('we read what Python\'s xmlrpc.client writes: calls, answers (with None) and faults', () => {
    const script = `
import sys, json, xmlrpc.client
v = json.loads(sys.stdin.read())
print(xmlrpc.client.dumps(tuple(v), 'samp.client.receiveCall'))
print('\\0')
print(xmlrpc.client.dumps((v + [None],), methodresponse=True, allow_none=True))
print('\\0')
print(xmlrpc.client.dumps(xmlrpc.client.Fault(7, 'Bad secret code <&>')))`;
    const [call, answer, fault] = pythonText(script, JSON.stringify(AWKWARD)).split('\0');
    expect(parseMethodCall(call)).toEqual({ method: 'samp.client.receiveCall', params: AWKWARD });
    expect(parseMethodResponse(answer)).toEqual([...AWKWARD, null]);
    expect(() => parseMethodResponse(fault)).toThrow(XmlRpcFault);
    expect(() => parseMethodResponse(fault)).toThrow('Bad secret code <&>');
  });

  it('a <value> without a type is a string; our own fault round-trips', () => {
    const xml = '<?xml version="1.0"?><methodResponse><params><param><value>cli#2 &amp; more</value></param></params></methodResponse>';
    expect(parseMethodResponse(xml)).toBe('cli#2 & more');
    try {
      parseMethodResponse(faultXml(3, 'no such method'));
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ faultCode: 3, faultString: 'no such method' });
    }
  });
});

describe('SAMP hub discovery', () => {
  it('reads a lockfile with comments, CRLF line ends and escaped colons', () => {
    expect(parseLockfile('# SAMP lockfile\r\nsamp.secret=abc=def\r\n\r\nsamp.hub.xmlrpc.url=http\\://127.0.0.1\\:4567/\r\n')).toEqual({
      'samp.secret': 'abc=def',
      'samp.hub.xmlrpc.url': 'http\\://127.0.0.1\\:4567/',
    });
  });

  it('SAMP_HUB std-lockurl wins; otherwise ~/.samp of the home folder', async () => {
    expect(lockfileLocation({ SAMP_HUB: 'std-lockurl:file:///tmp/x%20y/lock' }, '/home/a')).toBe('file:///tmp/x%20y/lock');
    expect(lockfileLocation({}, '/home/a')).toBe('/home/a/.samp');
    const home = mkdtempSync(join(tmpdir(), 'vasco-samp-home-'));
    writeFileSync(join(home, '.samp'), 'samp.secret=s3\nsamp.hub.xmlrpc.url=http\\://127.0.0.1\\:4567/\nsamp.profile.version=1.3\n');
    expect(await findHub({}, home)).toEqual({ secret: 's3', xmlrpcUrl: 'http://127.0.0.1:4567/', lockfile: join(home, '.samp') });
    writeFileSync(join(home, '.samp'), 'samp.profile.version=1.3\n');
    await expect(findHub({}, home)).rejects.toMatchObject({ code: 'samp-no-hub', message: expect.stringContaining('lacks samp.secret') });
  });
});
