/**
 * Quartz expressions valid in every form the parser supports: steps, ranges, names, a year, and the special
 * characters L, # and W. quartz.test.ts checks the parser accepts them; quartzJava.test.ts asks the real Quartz
 * about them among the rest of its expressions.
 */
export const ACCEPTED_EXPRESSIONS = [
    "0 0 2 * * ?",
    "0 0 * * * ?",
    "0 0/20 * * * ?",
    "0 15 9 ? * MON-FRI",
    "30 5 1 1 JAN,JUL ? 2027",
    "0 0 12 L * ?",
    "0 0 12 ? * 6#3",
    "0 0 12 15W * ?",
];
