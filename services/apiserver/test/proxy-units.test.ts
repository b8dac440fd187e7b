import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolveEndpoint } from '../src/aggregator/resolve';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { buildAuthorizer } from '../src/authz/modes';
import { parseRequestInfo } from '../src/endpoints/request-info';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isProxyableIP, splitSchemeNamePort } from '../src/proxy/addresses';
import { rewriteHtmlBody, rewriteHtmlLinks } from '../src/proxy/html-rewrite';
import { escapePath, joinPreservingTrailingSlash, rewriteLocation } from '../src/proxy/location-rewrite';
import { DEFAULT_KUBELET_CLIENT, nodeLocation, podLocation, serviceLocation } from '../src/proxy/locations';
import { endpoints } from '../src/registry/kinds/core/endpoints';
import { nodes } from '../src/registry/kinds/core/nodes';
import { pods } from '../src/registry/kinds/core/pods';
import { services } from '../src/registry/kinds/core/services';
import { endpointslices } from '../src/registry/kinds/discovery.k8s.io/endpointslices';
import { systemWriter } from '../src/registry/services/endpoints-store';
import { admissionStores, type AdmissionStores } from './helpers/admission-stores';

function withStatus(cur: KubeObject, status: object): KubeObject {
  return { ...cur, status: { ...(cur.status as object | undefined), ...status } };
}

describe('proxy targets and paths', () => {
  it('allows only global unicast addresses, as Go IsGlobalUnicast', () => {
    for (const ip of ['10.0.0.1', '192.168.1.2', '8.8.8.8', '2001:db8::1', 'fd00::1'])
      assert.equal(isProxyableIP(ip), true, ip);
    for (const ip of [
      '127.0.0.1',
      '127.9.9.9',
      '169.254.169.254',
      '0.0.0.0',
      '255.255.255.255',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      'not-an-ip',
      '',
    ])
      assert.equal(isProxyableIP(ip), false, ip);
  });

  it('splits scheme:name:port as upstream', () => {
    assert.deepEqual(splitSchemeNamePort('svc'), { scheme: '', name: 'svc', port: '' });
    assert.deepEqual(splitSchemeNamePort('svc:http'), { scheme: '', name: 'svc', port: 'http' });
    assert.deepEqual(splitSchemeNamePort('https:svc:443'), { scheme: 'https', name: 'svc', port: '443' });
    assert.equal(splitSchemeNamePort('ftp:svc:21'), undefined);
    assert.equal(splitSchemeNamePort(':80'), undefined);
    assert.equal(splitSchemeNamePort('a:b:c:d'), undefined);
  });

  it('rewrites backend redirects under the proxy path, leaving other hosts and relative ones', () => {
    const prefix = '/api/v1/namespaces/ns/services/s:80/proxy';
    const rw = (loc: string): string => rewriteLocation(loc, '10.0.0.2:8080', 'kapi:6443', prefix);
    assert.equal(rw('/login?next=%2F'), `${prefix}/login?next=%2F`);
    assert.equal(rw('http://10.0.0.2:8080/a/'), `${prefix}/a/`);
    assert.equal(rw('https://kapi:6443/b'), `https://kapi:6443${prefix}/b`);
    assert.equal(rw(`${prefix}/already`), `${prefix}/already`);
    assert.equal(rw('http://elsewhere/x'), 'http://elsewhere/x');
    assert.equal(rw('relative/path'), 'relative/path');
  });

  it('rewrites the link attributes of HTML start tags, through gzip too', () => {
    const rw = (u: string): string => (u.startsWith('/') ? `/p${u}` : u);
    const html =
      '<!-- <a href="/c"> --><A HREF=/x class="a">t</A><form action=\'/f\'><img alt="/keep" src="/i.png"/>' +
      '<style>a[href="/s"]{}</style><p data-x="/no">';
    const want =
      '<!-- <a href="/c"> --><A HREF=/p/x class="a">t</A><form action=\'/p/f\'><img alt="/keep" src="/p/i.png"/>' +
      '<style>a[href="/s"]{}</style><p data-x="/no">';
    assert.equal(rewriteHtmlLinks(html, rw), want);
    const gz = rewriteHtmlBody(gzipSync(html), 'gzip', rw);
    assert.equal(gunzipSync(gz ?? Buffer.alloc(0)).toString(), want);
    assert.equal(rewriteHtmlBody(Buffer.from(html), 'br', rw), undefined);
  });

  it('joins and escapes paths as Go does', () => {
    assert.equal(joinPreservingTrailingSlash('/a/../b/'), '/b/');
    assert.equal(joinPreservingTrailingSlash(''), '');
    assert.equal(escapePath('/a b/c:d@e/(x)'), '/a%20b/c:d@e/%28x%29');
  });

  it('reads proxy paths as upstream request info does, the legacy /proxy/ prefix as the verb', () => {
    const q = new URLSearchParams();
    const sub = parseRequestInfo('POST', '/api/v1/namespaces/ns/services/https:web:443/proxy/a/b', q);
    assert.deepEqual(
      [sub.verb, sub.resource, sub.name, sub.subresource, sub.namespace],
      ['create', 'services', 'https:web:443', 'proxy', 'ns'],
    );
    const legacy = parseRequestInfo('GET', '/api/v1/proxy/namespaces/ns/pods/p/extra', q);
    assert.deepEqual(
      [legacy.verb, legacy.resource, legacy.name, legacy.subresource, legacy.namespace],
      ['proxy', 'pods', 'p', '', 'ns'],
    );
  });
});

describe('proxy resource locations (real stores)', () => {
  let s: AdmissionStores;
  const NS = 'default';
  const svc = (): ReturnType<typeof serviceLocation> => serviceLocation(s.table, NS, 'web:80');

  async function rejects(p: Promise<unknown>, code: number, message: string): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, code);
      assert.equal(e.message, message);
      return true;
    });
  }

  before(async () => {
    s = await admissionStores({
      kinds: [services, endpoints, pods, nodes, endpointslices],
      plugins: [],
      authorizer: buildAuthorizer(['AlwaysAllow']),
    });
    await s.store('', 'services').create(NS, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    for (const [name, ip] of [
      ['p1', '10.1.0.5'],
      ['lo', '127.0.0.1'],
    ]) {
      await s.store('', 'pods').create(NS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 9000 }] }] },
      });
      await s.store('', 'pods').patchStatus(NS, name, (cur) => withStatus(cur, { podIP: ip, podIPs: [{ ip }] }));
    }
  });
  after(async () => s?.close());

  it('services: no Endpoints, no subsets, then only addresses that are pods of the namespace with that IP', async () => {
    await rejects(svc(), 404, 'endpoints "web" not found');
    await rejects(serviceLocation(s.table, NS, 'web:81'), 503, 'no service port 81 found for service "web"');
    const eps = systemWriter(s.store('', 'endpoints'));
    await eps.create(NS, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' } });
    await rejects(svc(), 503, 'no endpoints available for service "web"');
    const write = async (addresses: object[]): Promise<void> => {
      const cur = await eps.get(NS, 'web');
      await eps.update(NS, 'web', { ...cur, subsets: [{ addresses, ports: [{ name: 'http', port: 8080 }] }] });
    };
    // no targetRef, a pod IP that does not match, and a loopback pod (only the system may write that address)
    await write([{ ip: '10.1.0.9' }]);
    await rejects(svc(), 503, 'no endpoints available for service "web:80"');
    await write([{ ip: '10.1.0.9', targetRef: { kind: 'Pod', namespace: NS, name: 'p1' } }]);
    await rejects(svc(), 503, 'no endpoints available for service "web:80"');
    await write([{ ip: '127.0.0.1', targetRef: { kind: 'Pod', namespace: NS, name: 'lo' } }]);
    await rejects(svc(), 503, 'no endpoints available for service "web:80"');
    await write([{ ip: '10.1.0.5', targetRef: { kind: 'Pod', namespace: NS, name: 'p1' } }]);
    assert.deepEqual(await serviceLocation(s.table, NS, 'https:web:http'), {
      scheme: 'https',
      host: '10.1.0.5',
      port: '8080',
      tls: { rejectUnauthorized: false },
    });
  });

  it('services: an ExternalName service has no endpoints to proxy to, as upstream', async () => {
    await s.store('', 'services').create(NS, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ext' },
      spec: { type: 'ExternalName', externalName: 'example.com' },
    });
    await rejects(serviceLocation(s.table, NS, 'ext'), 404, 'endpoints "ext" not found');
    await rejects(serviceLocation(s.table, NS, 'ext:443'), 503, 'no service port 443 found for service "ext"');
  });

  it('pods: the first container port by default; loopback refused', async () => {
    const loc = await podLocation(s.table, NS, 'p1');
    assert.deepEqual([loc.scheme, loc.host, loc.port], ['http', '10.1.0.5', '9000']);
    await rejects(podLocation(s.table, NS, 'lo:80'), 400, 'address not allowed');
    await rejects(podLocation(s.table, NS, 'nosuch'), 404, 'pods "nosuch" not found');
  });

  it('nodes: preferred address types in order, the kubelet port over https, no preferred address a 500', async () => {
    const nodeStore = s.store('', 'nodes');
    await nodeStore.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await rejects(
      nodeLocation(s.table, 'n1', DEFAULT_KUBELET_CLIENT),
      500,
      'no preferred addresses found; known addresses: []',
    );
    await nodeStore.patchStatus('', 'n1', (cur) =>
      withStatus(cur, {
        addresses: [
          { type: 'ExternalIP', address: '203.0.113.7' },
          { type: 'InternalIP', address: '10.2.0.1' },
        ],
      }),
    );
    const kubelet = await nodeLocation(s.table, 'n1', DEFAULT_KUBELET_CLIENT);
    assert.deepEqual([kubelet.scheme, kubelet.host, kubelet.port], ['https', '10.2.0.1', '10250']);
    assert.equal(kubelet.tls.rejectUnauthorized, false);
    const other = await nodeLocation(s.table, 'http:n1:9100', DEFAULT_KUBELET_CLIENT);
    assert.deepEqual([other.scheme, other.port], ['http', '9100']);
    const external = await nodeLocation(s.table, 'n1', {
      ...DEFAULT_KUBELET_CLIENT,
      preferredAddressTypes: ['ExternalIP'],
    });
    assert.equal(external.host, '203.0.113.7');
    await nodeStore.patchStatus('', 'n1', (cur) =>
      withStatus(cur, { addresses: [{ type: 'InternalIP', address: '169.254.1.1' }] }),
    );
    await rejects(nodeLocation(s.table, 'n1', DEFAULT_KUBELET_CLIENT), 400, 'address not allowed');
  });

  it('the aggregator skips loopback endpoints of an APIService Service', async () => {
    const slices = systemWriter(s.store('discovery.k8s.io', 'endpointslices'));
    await slices.create(NS, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-lo', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 8080 }],
    });
    await assert.rejects(resolveEndpoint(s.table, { namespace: NS, name: 'web', port: 80 }), /have no addresses/);
  });
});
