import { XMLBuilder } from 'fast-xml-parser';

export type ResponseFormat = 'JSON' | 'XML';

const xmlBuilder = new XMLBuilder({
  format: false,
  suppressEmptyNode: false,
  processEntities: true,
});

/**
 * Alibaba's shapes: JSON as is; XML with a root element, each array rendered as repeated
 * elements of its parent key (`{"Invocation":[a,b]}` → `<Invocation>a</Invocation><Invocation>b</Invocation>`).
 */
export function renderBody(format: ResponseFormat, root: string, body: object): { contentType: string; payload: string } {
  if (format === 'XML') {
    return {
      contentType: 'text/xml;charset=utf-8',
      payload: `<?xml version="1.0" encoding="UTF-8"?>${xmlBuilder.build({ [root]: toXmlSafe(body) })}`,
    };
  }
  return { contentType: 'application/json;charset=utf-8', payload: JSON.stringify(body) };
}

/** XML 1.0 cannot carry most control characters, even escaped; drop them from text nodes. */
function toXmlSafe(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
  if (Array.isArray(value)) return value.map(toXmlSafe);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toXmlSafe(v)]),
    );
  }
  return value;
}
