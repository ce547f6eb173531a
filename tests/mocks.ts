/** The tests evaluate the program through the same offline evaluation as `npm run plan` and `npm run bench`. */
export { Declared, Evaluation, OFFLINE_VALUES, customResources, evaluateProgram, ofType, promiseOf } from "../cli/offline";
export { loadStackFile } from "../config/stackFile";
