import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_HEADER_BYTES, secureServerOptions } from '../src/server/app';

describe('the listener options', () => {
  const opts = secureServerOptions({ key: 'KEY', cert: 'CERT', ca: 'CA' });

  it('turns Nagle off: an HTTP/1.1 response must not wait ~40 ms for the client’s delayed ACK', () => {
    assert.equal(opts.noDelay, true);
  });

  it('serves HTTP/2 with the HTTP/1.1 fallback and 1 MiB of headers, as upstream', () => {
    assert.equal(opts.allowHTTP1, true);
    assert.equal(opts.settings?.maxHeaderListSize, MAX_HEADER_BYTES);
    assert.equal(MAX_HEADER_BYTES, 1024 * 1024);
  });

  it('asks for a client certificate but leaves refusing it to authentication (401 Status, not a TLS alert)', () => {
    assert.equal(opts.requestCert, true);
    assert.equal(opts.rejectUnauthorized, false);
    assert.deepEqual([opts.key, opts.cert, opts.ca], ['KEY', 'CERT', 'CA']);
  });
});
