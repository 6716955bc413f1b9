import { describe, expect, it } from 'vitest';
import {
  parseBinaryEvent,
  parseStructuredBatch,
  parseStructuredEvent,
} from '../../../../src/ingest/kserve/cloudEvent.js';

/** Headers as node hands them to a route: lower-case names. */
const HEADERS = {
  'ce-id': 'abc-1',
  'ce-type': 'org.kubeflow.serving.inference.request',
  'ce-source': 'http://localhost:9081/',
  'ce-specversion': '1.0',
  'ce-time': '2021-04-10T00:23:26.0789529Z',
  'ce-inferenceservicename': 'sklearn-iris',
  'ce-namespace': 'default',
  'ce-component': 'predictor',
  'ce-endpoint': '',
  traceparent: '00-90bdf848647d50283394155d2df58f19-84dacdfdf07cadfc-00',
};

const body = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('parseBinaryEvent', () => {
  it('reads the attributes from the headers and the data from the body', () => {
    const outcome = parseBinaryEvent(HEADERS, body({ instances: [[1, 2]] }));
    expect(outcome).toEqual({
      ok: true,
      event: {
        id: 'abc-1',
        half: 'request',
        source: 'http://localhost:9081/',
        time: '2021-04-10T00:23:26.0789529Z',
        inferenceService: 'sklearn-iris',
        namespace: 'default',
        component: 'predictor',
        endpoint: null,
        modelId: null,
        modelVersion: null,
        traceparent: '00-90bdf848647d50283394155d2df58f19-84dacdfdf07cadfc-00',
        data: { instances: [[1, 2]] },
      },
    });
  });

  it('knows a response, and Seldon types', () => {
    const kserve = parseBinaryEvent(
      { ...HEADERS, 'ce-type': 'org.kubeflow.serving.inference.response' },
      body({ predictions: [1] }),
    );
    expect(kserve.ok && kserve.event.half).toBe('response');
    const seldon = parseBinaryEvent(
      { ...HEADERS, 'ce-type': 'io.seldon.serving.inference.request', 'ce-specversion': '0.3' },
      body({ instances: [] }),
    );
    expect(seldon.ok && seldon.event.half).toBe('request');
  });

  it('decodes percent-encoded header values and prefers ce-traceparent', () => {
    const outcome = parseBinaryEvent(
      {
        ...HEADERS,
        'ce-inferenceservicename': 'iris%20v2',
        'ce-traceparent': '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      body({ instances: [] }),
    );
    expect(outcome.ok && outcome.event.inferenceService).toBe('iris v2');
    expect(outcome.ok && outcome.event.traceparent).toBe(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
  });

  it('drops a malformed traceparent', () => {
    const outcome = parseBinaryEvent({ ...HEADERS, traceparent: 'nope' }, body({ instances: [] }));
    expect(outcome.ok && outcome.event.traceparent).toBeNull();
  });

  it.each([
    [{ 'ce-id': undefined }, 'missing_field', 'the event has no id'],
    [{ 'ce-specversion': '2.0' }, 'bad_value', 'specversion 2.0 is not supported'],
    [{ 'ce-type': 'com.example.other' }, 'bad_value', 'type com.example.other is not an inference'],
    [{ 'ce-time': 'yesterday' }, 'bad_timestamp', 'time "yesterday" is not an RFC 3339'],
  ])('refuses %j with %s', (change, code, message) => {
    const outcome = parseBinaryEvent({ ...HEADERS, ...change }, body({ instances: [] }));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.code).toBe(code);
    expect(outcome.message).toContain(message);
  });

  it('refuses a body that is empty, not UTF-8 or not JSON', () => {
    const empty = parseBinaryEvent(HEADERS, Buffer.alloc(0));
    expect(empty).toMatchObject({ ok: false, code: 'missing_field' });
    const latin1 = parseBinaryEvent(HEADERS, Buffer.from([0x7b, 0xe9, 0x7d]));
    expect(latin1).toMatchObject({ ok: false, code: 'bad_value' });
    const text = parseBinaryEvent(HEADERS, Buffer.from('instances=1'));
    expect(text).toMatchObject({ ok: false, code: 'invalid_json' });
  });
});

const STRUCTURED = {
  specversion: '1.0',
  id: 'abc-2',
  type: 'org.kubeflow.serving.inference.response',
  source: 'http://localhost:9081/',
  inferenceservicename: 'sklearn-iris',
  modelid: 'iris',
  modelversion: '3',
};

describe('parseStructuredEvent', () => {
  it('takes data as JSON, as JSON text, or as base64', () => {
    const forms = [
      { ...STRUCTURED, data: { predictions: [0.5] } },
      { ...STRUCTURED, data: '{"predictions":[0.5]}' },
      { ...STRUCTURED, data_base64: Buffer.from('{"predictions":[0.5]}').toString('base64') },
    ];
    for (const form of forms) {
      const outcome = parseStructuredEvent(form);
      expect(outcome.ok && outcome.event.data).toEqual({ predictions: [0.5] });
      expect(outcome.ok && [outcome.event.modelId, outcome.event.modelVersion]).toEqual([
        'iris',
        '3',
      ]);
    }
  });

  it('refuses an event without data, a non-object, and a non-string attribute', () => {
    expect(parseStructuredEvent(STRUCTURED)).toMatchObject({ ok: false, code: 'missing_field' });
    expect(parseStructuredEvent([STRUCTURED])).toMatchObject({ ok: false, code: 'not_an_object' });
    expect(parseStructuredEvent({ ...STRUCTURED, id: 7, data: {} })).toMatchObject({
      ok: false,
      code: 'wrong_type',
    });
  });
});

describe('parseStructuredBatch', () => {
  it('parses each element on its own, and refuses what is not an array', () => {
    const outcomes = parseStructuredBatch([{ ...STRUCTURED, data: { predictions: [] } }, 42]);
    expect(outcomes?.map((outcome) => outcome.ok)).toEqual([true, false]);
    expect(parseStructuredBatch({})).toBeNull();
  });
});
