import { findLeaks } from "../harness/leaks";

const secret = "glsa_abcdefghijklmnopqrstuvwxyzABCDEF_0a1b2c3d";

describe("the leak scan used by the protocol tests", () => {
    test("finds a secret in host output, in an output other than the keys, and in an error", () => {
        const state = [{ id: "x", inputs: {}, outputs: { key: secret, name: secret } }];
        expect(findLeaks([secret], { printed: `oops ${secret}`, state, errors: [`failed: ${secret}`] })).toEqual([
            "glsa_ab… found in host stdout/stderr",
            "glsa_ab… found in state[0] outputs other than the keys",
            "glsa_ab… found in error[0]",
        ]);
    });

    test("does not count the key outputs themselves, which the engine stores encrypted", () => {
        const state = [{ id: "x", inputs: {}, outputs: { key: secret, previousKey: secret } }];
        expect(findLeaks([secret], { printed: "", state })).toEqual([]);
    });
});
