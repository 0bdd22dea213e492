/**
 * The little XML-RPC that SAMP's Standard Profile speaks, over node:http:
 * encode and decode calls, answers and faults, post a call to a hub, and
 * serve a client's callback endpoint on 127.0.0.1. SAMP itself sends only
 * strings, lists and maps; the other XML-RPC scalars (int, double, boolean,
 * astropy's <nil/>) are read so a hub or client that sends them is understood.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XmlTokenizer } from '../catalogs/xml';
import { xmlText } from '../core/votable';

export type XmlRpcValue = string | number | boolean | null | XmlRpcValue[] | { [key: string]: XmlRpcValue };
export type XmlRpcMap = { [key: string]: XmlRpcValue };

/** A <fault> answer: the far side understood the call and refused it. */
export class XmlRpcFault extends Error {
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(faultString);
    this.name = 'XmlRpcFault';
  }
}

// ------------------------------------------------------------ encoding

export function encodeValue(v: XmlRpcValue): string {
  if (v === null || v === undefined) return '<value><nil/></value>';
  if (typeof v === 'string') return `<value><string>${xmlText(v)}</string></value>`;
  if (typeof v === 'boolean') return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? `<value><int>${v}</int></value>` : `<value><double>${v}</double></value>`;
  if (Array.isArray(v)) return `<value><array><data>${v.map(encodeValue).join('')}</data></array></value>`;
  const members = Object.entries(v).map(([k, m]) => `<member><name>${xmlText(k)}</name>${encodeValue(m)}</member>`);
  return `<value><struct>${members.join('')}</struct></value>`;
}

const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function methodCallXml(method: string, params: XmlRpcValue[]): string {
  const ps = params.map((p) => `<param>${encodeValue(p)}</param>`).join('');
  return `${DECL}<methodCall><methodName>${xmlText(method)}</methodName><params>${ps}</params></methodCall>\n`;
}

export function methodResponseXml(value: XmlRpcValue): string {
  return `${DECL}<methodResponse><params><param>${encodeValue(value)}</param></params></methodResponse>\n`;
}

export function faultXml(code: number, message: string): string {
  return `${DECL}<methodResponse><fault>${encodeValue({ faultCode: code, faultString: message })}</fault></methodResponse>\n`;
}

// ------------------------------------------------------------ decoding

interface Node {
  name: string;
  children: Node[];
  text: string;
}

/** The document as a small element tree (XML-RPC documents are small). */
function parseTree(xml: string): Node {
  const root: Node = { name: '#root', children: [], text: '' };
  const stack: Node[] = [root];
  const t = new XmlTokenizer({
    open(name) {
      const n: Node = { name, children: [], text: '' };
      stack[stack.length - 1].children.push(n);
      stack.push(n);
    },
    close() {
      stack.pop();
    },
    text(s) {
      stack[stack.length - 1].text += s;
    },
  });
  t.write(xml);
  t.end();
  const top = root.children[0];
  if (!top) throw new Error('XML-RPC: empty document');
  return top;
}

function child(n: Node, name: string): Node {
  const c = n.children.find((x) => x.name === name);
  if (!c) throw new Error(`XML-RPC: <${n.name}> has no <${name}>`);
  return c;
}

function decodeValue(value: Node): XmlRpcValue {
  const typed = value.children[0];
  if (!typed) return value.text; // a bare <value>text</value> is a string
  switch (typed.name) {
    case 'string':
      return typed.text;
    case 'int':
    case 'i4':
    case 'i8':
    case 'double':
      return Number(typed.text.trim());
    case 'boolean':
      return typed.text.trim() === '1';
    case 'nil':
      return null;
    case 'array':
      return child(typed, 'data').children.filter((c) => c.name === 'value').map(decodeValue);
    case 'struct': {
      const out: XmlRpcMap = {};
      for (const m of typed.children.filter((c) => c.name === 'member')) out[child(m, 'name').text] = decodeValue(child(m, 'value'));
      return out;
    }
    default:
      // dateTime.iso8601, base64: SAMP never sends them; keep their text.
      return typed.text;
  }
}

function decodeParams(n: Node): XmlRpcValue[] {
  const params = n.children.find((c) => c.name === 'params');
  return (params?.children ?? []).filter((c) => c.name === 'param').map((p) => decodeValue(child(p, 'value')));
}

export function parseMethodCall(xml: string): { method: string; params: XmlRpcValue[] } {
  const call = parseTree(xml);
  if (call.name !== 'methodCall') throw new Error(`XML-RPC: expected <methodCall>, got <${call.name}>`);
  return { method: child(call, 'methodName').text.trim(), params: decodeParams(call) };
}

/** The answer's value; a <fault> is thrown as XmlRpcFault. */
export function parseMethodResponse(xml: string): XmlRpcValue {
  const res = parseTree(xml);
  if (res.name !== 'methodResponse') throw new Error(`XML-RPC: expected <methodResponse>, got <${res.name}>`);
  const fault = res.children.find((c) => c.name === 'fault');
  if (fault) {
    const f = decodeValue(child(fault, 'value')) as XmlRpcMap;
    throw new XmlRpcFault(Number(f.faultCode ?? 0), String(f.faultString ?? 'fault'));
  }
  return decodeParams(res)[0] ?? '';
}

// ------------------------------------------------------------ transport

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`XML-RPC body larger than ${limit} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** POST one call to an XML-RPC endpoint; network failures reject with the address in the message. */
export function xmlRpcCall(url: string, method: string, params: XmlRpcValue[], timeoutMs = 10_000): Promise<XmlRpcValue> {
  const body = Buffer.from(methodCallXml(method, params), 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'text/xml', 'Content-Length': body.length }, timeout: timeoutMs }, (res) => {
      readBody(res, 64 << 20).then((text) => {
        if ((res.statusCode ?? 0) >= 400) return reject(new Error(`${url} answered HTTP ${res.statusCode} to ${method}`));
        try {
          resolve(parseMethodResponse(text));
        } catch (err) {
          reject(err);
        }
      }, reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer ${method} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface XmlRpcServer {
  /** http://127.0.0.1:PORT/xmlrpc */
  url: string;
  close(): Promise<void>;
}

/**
 * Serve XML-RPC on 127.0.0.1 (a free port): each call goes to `handle`; what
 * it throws is answered as a fault, so the caller (the hub) learns why.
 */
export async function startXmlRpcServer(handle: (method: string, params: XmlRpcValue[]) => Promise<XmlRpcValue>): Promise<XmlRpcServer> {
  const server = createServer((req, res) => {
    const answer = (xml: string) => {
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
      res.end(xml);
    };
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' });
      res.end();
      return;
    }
    readBody(req, 16 << 20)
      .then(async (text) => {
        const { method, params } = parseMethodCall(text);
        answer(methodResponseXml(await handle(method, params)));
      })
      .catch((err: Error) => answer(faultXml(1, err.message)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/xmlrpc`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
