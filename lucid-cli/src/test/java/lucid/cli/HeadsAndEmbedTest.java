package lucid.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HeadsAndEmbedTest {

    @Test
    void headsPrintsThreeTablesAndAVerdictForEachRole() {
        CliRun run = CliRun.of("heads", "-m", CliRun.stories260K(), "--sequences", "2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("induction (").contains("previous token (").contains("sink (")
                .contains("L4 ").contains("H7").containsPattern("induction heads: ").containsPattern("previous-token heads: L\\d H\\d");
    }

    @Test
    void verdictNamesOnlyHeadsThatStandOut() {
        double[][] flat = {{0.1, 0.1}, {0.1, 0.12}};
        assertThat(HeadsCommand.verdict("induction", flat)).startsWith("induction heads: none stands out (best L1 H1 at 0.12");
        double[][] one = {{0.05, 0.9}, {0.04, 0.06}};
        assertThat(HeadsCommand.verdict("induction", one)).startsWith("induction heads: L0 H1 (0.90)");
    }

    @Test
    void embedFindsNeighboursAndAnalogies() {
        CliRun near = CliRun.of("embed", "-m", CliRun.stories260K(), "--top", "3", "mom");
        assertThat(near.exitCode()).as(near.err()).isZero();
        assertThat(near.out().lines().count()).isEqualTo(4);
        assertThat(near.err()).contains("mom = \" mom\"");
        CliRun analogy = CliRun.of("embed", "-m", CliRun.stories260K(), "--analogy", "boy", "girl", "mom");
        assertThat(analogy.out()).startsWith("boy − girl + mom:");
        CliRun wrong = CliRun.of("embed", "-m", CliRun.stories260K(), "--analogy", "boy", "girl");
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.err()).contains("--analogy needs three words");
    }
}
