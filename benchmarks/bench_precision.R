# lme4 timing of the G-study of bench_precision.py on the same ratings:
#   Rscript benchmarks/bench_precision.R ratings.csv
# Prints one JSON line: seconds (lmer only, libraries loaded first) and the variance components.
suppressMessages(library(lme4))
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
d$mentor <- factor(d$mentor); d$rater <- factor(d$rater); d$item <- factor(d$item)
t <- system.time(f <- lmer(score ~ 1 + (1|mentor) + (1|mentor:rater) + (1|item) + (1|mentor:item), d, REML = TRUE))
v <- as.data.frame(VarCorr(f))
cat(sprintf('{"seconds": %.4f, %s}\n', t[["elapsed"]],
            paste(sprintf('"%s": %.12g', v$grp, v$vcov), collapse = ", ")))
