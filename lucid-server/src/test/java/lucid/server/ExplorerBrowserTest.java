package lucid.server;

import lucid.testkit.HeadlessChromium;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The explorer page in headless Chromium against the real server: type, generate, click a step, branch. */
class ExplorerBrowserTest {

    private static void waitFor(HeadlessChromium browser, String condition) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!browser.eval(condition).asBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + condition + "; page errors: " + browser.errors());
            }
            Thread.sleep(50);
        }
    }

    @Test
    void typeAPromptWatchTheStepsOpenOneAndBranch() throws Exception {
        assertThat(HeadlessChromium.available()).as("Debian's chromium at " + HeadlessChromium.BINARY).isTrue();
        try (TestServer server = new TestServer(2, 4, null); HeadlessChromium browser = new HeadlessChromium()) {
            browser.open(server.base + "/");
            browser.eval("document.getElementById('prompt').value = 'Lily and Tom went to the park'");
            browser.eval("document.getElementById('max_tokens').value = '12'");
            browser.eval("document.getElementById('generate').click()");
            waitFor(browser, "document.querySelectorAll('[data-branch=\"0\"] tr.step').length === 12");
            assertThat(browser.eval("document.querySelectorAll('[data-branch=\"0\"] tr.step .cand').length").asInt()).isEqualTo(12 * 5);
            assertThat(browser.eval("document.querySelector('[data-branch=\"0\"] tr.step .text').textContent").asText())
                    .startsWith("<s> Lily and Tom went to the park");

            browser.eval("document.querySelector('[data-branch=\"0\"] tr.step[data-step=\"2\"]').click()");
            waitFor(browser, "!document.getElementById('detail').hidden");
            assertThat(browser.eval("document.getElementById('detail-title').textContent").asText()).startsWith("Branch 1, step 3: chose");
            assertThat(browser.eval("document.querySelectorAll('#heat rect').length").asInt()).isEqualTo(5 * 8);
            assertThat(browser.eval("document.querySelectorAll('#lens tr').length").asInt()).isEqualTo(1 + 5);
            browser.eval("document.querySelector('#heat rect[data-layer=\"1\"][data-head=\"3\"]').dispatchEvent(new Event('click'))");
            assertThat(browser.eval("document.getElementById('head-positions').textContent").asText()).contains("layer 1, head 3");

            // branch: take the second candidate at step 4
            browser.eval("document.querySelector('[data-branch=\"0\"] tr.step[data-step=\"3\"] button.branch-here').click()");
            waitFor(browser, "document.querySelectorAll('[data-branch=\"1\"] tr.step').length === 12");
            assertThat(browser.eval("document.querySelectorAll('section.branch').length").asInt()).isEqualTo(2);
            assertThat(browser.eval("document.querySelector('[data-branch=\"1\"] h2').textContent").asText()).contains("from branch 1, step 4");
            browser.screenshot(Path.of("target", "browser", "explorer.png"));
            assertThat(browser.errors()).isEmpty();
        }
    }

    @Test
    void chineseTextIsShownAsCharacters() throws Exception {
        try (TestServer server = new TestServer(1, 2, null); HeadlessChromium browser = new HeadlessChromium()) {
            browser.open(server.base + "/");
            browser.eval("document.getElementById('prompt').value = '人工智能是'");
            browser.eval("document.getElementById('max_tokens').value = '3'");
            browser.eval("document.getElementById('generate').click()");
            waitFor(browser, "document.querySelectorAll('[data-branch=\"0\"] tr.step').length === 3");
            assertThat(browser.eval("document.querySelector('[data-branch=\"0\"] tr.step .text').textContent").asText()).contains("人工智能是");
            // byte-fallback and byte-level pieces of characters, as the server names them, joined back
            assertThat(browser.eval("joinTexts(['<0xE4>', '<0xBA>', '<0xBA>', '工'])").asText()).isEqualTo("人工");
            assertThat(browser.eval("joinTexts(['<0xE6><0x99>', '<0xBA><0xE8>', '<0x83><0xBD>', '的<0xF0>', '<0x9F><0xA4>', '<0x96>'])").asText())
                    .isEqualTo("智能的🤖");
            assertThat(browser.eval("joinTexts(['a<0xFF>', 'b', 'c', 'd', 'e'])").asText()).as("never a character: the bytes stay visible")
                    .isEqualTo("a<0xFF>bcde");
            assertThat(browser.errors()).isEmpty();
        }
    }
}
