// Runs the core's unit tests and ends with "N passed, N failed".
#include <cstdio>
#include <vector>

#include "Check.h"

int main() {
    std::vector<npctest::Test> tests = npctest::formatTests();
    for (const auto& more : {npctest::playbackTests(), npctest::sessionTests()}) tests.insert(tests.end(), more.begin(), more.end());
    int passed = 0, failed = 0;
    for (const auto& test : tests) {
        const int before = npctest::failures();
        test.run();
        const bool ok = npctest::failures() == before;
        std::printf("%s %s\n", ok ? "ok  " : "FAIL", test.name);
        (ok ? passed : failed) += 1;
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
