/** One JSON line per event, as CloudWatch Logs Insights reads them. */
export type Log = (entry: Record<string, unknown>) => void;

export const logJson: Log = (entry) => {
  console.log(JSON.stringify(entry));
};
