import type { TurnTool } from '../../core/agents/turn-contract.ts';
import type { ToolOutcome } from './tool-box-contract.ts';

export const currentTimeTool: TurnTool = {
  name: 'current_time',
  description:
    'The current date and time: ISO 8601 in the given IANA timezone (UTC by default), and Unix milliseconds.',
  inputSchema: {
    type: 'object',
    properties: {
      timezone: { type: 'string', description: 'An IANA timezone such as Europe/Paris; default UTC.' },
    },
    additionalProperties: false,
  },
};

/** `{ iso, unix_ms, timezone }`; iso carries the zone's offset at this instant (2026-03-01T14:05:09+01:00). */
export function currentTime(args: { timezone?: string }, now = new Date()): ToolOutcome {
  const timezone = args.timezone ?? 'UTC';
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    }).formatToParts(now);
  } catch {
    return { ok: false, error: `unknown timezone '${timezone}' (use an IANA name such as Europe/Paris)` };
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  // `GMT+01:00`, or just `GMT` at offset zero.
  const offset = part('timeZoneName').replace(/^GMT/, '') || '+00:00';
  const iso = `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${offset === '+00:00' ? 'Z' : offset}`;
  return { ok: true, output: { iso, unix_ms: now.getTime(), timezone } };
}
