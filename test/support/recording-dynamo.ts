/**
 * A DynamoDB (document) client for unit tests: records each command's input, in order, and answers with what
 * `answer` returns for it (throw there to fail the call, e.g. a ConditionalCheckFailedException).
 */
export function recordingDynamo(answer: (input: Record<string, unknown>, call: number) => unknown = () => ({})) {
  const inputs: Record<string, unknown>[] = [];
  const send = async (command: { input: Record<string, unknown> }) => {
    inputs.push(command.input);
    return answer(command.input, inputs.length);
  };
  return { dynamo: { send } as never, inputs };
}
