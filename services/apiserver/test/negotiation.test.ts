import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../src/api/errors';
import { inputMedia, negotiate } from '../src/endpoints/negotiation';

test('kubectl get asks for Table and gets it', () => {
  const n = negotiate(
    'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    {
      allowProtobuf: true,
      transforms: ['Table'],
    },
  );
  assert.equal(n.media, 'application/json');
  assert.equal(n.transform, 'Table');
  assert.equal(n.transformVersion, 'v1');
});

test('Table is skipped where not allowed, falling back to the next clause', () => {
  const n = negotiate('application/json;as=Table;v=v1;g=meta.k8s.io,application/json', {
    allowProtobuf: true,
    transforms: [],
  });
  assert.equal(n.transform, '');
});

test('q-values order clauses; protobuf honoured', () => {
  assert.equal(
    negotiate('application/json;q=0.5,application/vnd.kubernetes.protobuf', { allowProtobuf: true, transforms: [] })
      .media,
    'application/vnd.kubernetes.protobuf',
  );
  assert.equal(
    negotiate('application/vnd.kubernetes.protobuf,application/json', { allowProtobuf: false, transforms: [] }).media,
    'application/json',
  );
  assert.equal(negotiate('application/yaml', { allowProtobuf: true, transforms: [] }).media, 'application/yaml');
  assert.equal(negotiate(undefined, { allowProtobuf: true, transforms: [] }).media, 'application/json');
});

test('unsupported Accept is 406, unsupported Content-Type is 415', () => {
  assert.throws(
    () => negotiate('text/html', { allowProtobuf: true, transforms: [] }),
    (e: unknown) => e instanceof StatusError && e.code === 406 && e.reason === 'NotAcceptable',
  );
  assert.throws(
    () => inputMedia('text/plain', ['json']),
    (e: unknown) => e instanceof StatusError && e.code === 415 && e.reason === 'UnsupportedMediaType',
  );
  assert.equal(inputMedia('application/json; charset=utf-8', ['json']), 'json');
  assert.equal(inputMedia(undefined, ['json']), 'json');
});
