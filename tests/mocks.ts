/** The tests evaluate the program through the same offline evaluation as `npm run plan` and `npm run bench`. */
export { Declared, Evaluation, OFFLINE_VALUES, committedStackConfig, customResources, evaluateProgram, ofType, promiseOf } from "../scripts/offline";
