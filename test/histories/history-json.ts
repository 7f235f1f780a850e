import proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.IHistory;
const HistoryMessage = proto.temporal.api.history.v1.History;

// Why not historyToJSON/historyFromJSON from @temporalio/common: in this dependency tree they pair
// two protobufjs majors and throw "type must be a Type". The History message's own JSON form
// (enum names, string longs, base64 bytes) round-trips exactly through fromObject.

/** A history as stable, diff-friendly JSON text. */
export function historyToJson(history: History): string {
  return `${JSON.stringify(HistoryMessage.fromObject(history).toJSON(), null, 2)}\n`;
}

export function historyFromJson(text: string): History {
  return HistoryMessage.fromObject(JSON.parse(text) as Record<string, unknown>);
}
