# R timing of the same computations as bench_psychometrics.py, on the same data:
#   python benchmarks/bench_psychometrics.py --csv /tmp/bench.csv
#   Rscript benchmarks/bench_psychometrics.R /tmp/bench.csv
# Libraries are loaded before timing (computation time only; cold start is reported separately).
t_load <- system.time(suppressMessages({library(psych); library(lavaan); library(GPArotation); library(semTools)}))
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
blocks <- list(communication = sprintf("mca%02d", 1:6), expectations = sprintf("mca%02d", 7:11),
               understanding = sprintf("mca%02d", 12:14), independence = sprintf("mca%02d", 15:19),
               diversity = sprintf("mca%02d", 20:21), professional_development = sprintf("mca%02d", 22:26))
items <- unlist(blocks, use.names = FALSE); x <- d[items]
model <- paste(sprintf("%s =~ %s", names(blocks), sapply(blocks, paste, collapse = " + ")), collapse = "\n")
tm <- function(label, expr) { t <- system.time(expr)[["elapsed"]]; cat(sprintf("  %-32s %6.2f s\n", label, t)); t }
cat(sprintf("library loading: %.2f s\n", t_load[["elapsed"]]))
total <- 0
total <- total + tm("alpha per competency + overall", {for (b in blocks) alpha(x[b], warnings = FALSE); alpha(x, warnings = FALSE)})
total <- total + tm("omega (6 factors)", omega(x, nfactors = 6, plot = FALSE))
total <- total + tm("KMO", KMO(x))
total <- total + tm("Bartlett", cortest.bartlett(cor(x, use = "pairwise"), n = nrow(x)))
total <- total + tm("fa.parallel (n.iter 20)", fa.parallel(x, n.iter = 20, plot = FALSE))
total <- total + tm("fa minres oblimin (6)", fa(x, 6))
total <- total + tm("lavaan cfa + compRelSEM", {fit <- cfa(model, data = x); compRelSEM(fit); fitMeasures(fit)})
cat(sprintf("R total: %.2f s\n", total))
