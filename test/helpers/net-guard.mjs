// Loaded with `node --import` into a LabForge process under test: every attempt to reach a host
// that is not on this machine is refused before a packet leaves, and written to NET_GUARD_LOG.
// Loopback TCP, Unix sockets and pipes pass. Used by test/integration/offline.test.ts.
import { appendFileSync } from 'node:fs';
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

const log = process.env.NET_GUARD_LOG;
const LOCAL = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::', '']);
const isLocal = (host) =>
  LOCAL.has(String(host ?? '').toLowerCase()) || /^127\./.test(String(host)) || /^::ffff:127\./i.test(String(host));

function refuse(what) {
  if (log) appendFileSync(log, `${process.pid} ${what}\n`);
  const err = new Error(`net-guard: refused ${what}`);
  err.code = 'ENETUNREACH';
  return err;
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  const opts = Array.isArray(first) ? first[0] : first;
  let host;
  let port;
  if (typeof opts === 'object' && opts !== null) {
    if (opts.path) return connect.apply(this, args); // Unix socket / pipe
    host = opts.host ?? 'localhost';
    port = opts.port;
  } else if (typeof opts === 'string' && !/^\d+$/.test(opts)) {
    return connect.apply(this, args); // a path
  } else {
    port = opts;
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (!isLocal(host)) {
    const err = refuse(`tcp ${host}:${port}`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (hostname, ...rest) {
  const cb = rest[rest.length - 1];
  if (!isLocal(hostname)) {
    const err = refuse(`dns ${hostname}`);
    if (typeof cb === 'function') process.nextTick(() => cb(err));
    return {};
  }
  return lookup.call(this, hostname, ...rest);
};
const plookup = dns.promises.lookup;
dns.promises.lookup = function (hostname, ...rest) {
  if (!isLocal(hostname)) return Promise.reject(refuse(`dns ${hostname}`));
  return plookup.call(this, hostname, ...rest);
};
for (const m of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveTxt', 'resolveSrv']) {
  const orig = dns.promises[m];
  if (orig)
    dns.promises[m] = (hostname, ...rest) =>
      isLocal(hostname) ? orig(hostname, ...rest) : Promise.reject(refuse(`dns ${hostname}`));
}

const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (msg, ...rest) {
  const address = rest.find((a) => typeof a === 'string');
  if (address !== undefined && !isLocal(address)) {
    const cb = rest.find((a) => typeof a === 'function');
    const err = refuse(`udp ${address}`);
    if (cb) process.nextTick(() => cb(err));
    return;
  }
  return send.call(this, msg, ...rest);
};
