# lavaan timing for bench_invariance.py:  Rscript bench_invariance.R data.csv ML|MLR
suppressMessages(library(lavaan))
a <- commandArgs(trailingOnly = TRUE); d <- read.csv(a[1]); est <- a[2]
blocks <- list(communication = 1:6, expectations = 7:11, understanding = 12:14, independence = 15:19,
               diversity = 20:21, professional_development = 22:26)
model <- paste(sprintf("%s =~ %s", names(blocks), sapply(blocks, function(b) paste(sprintf("mca%02d", b), collapse = " + "))), collapse = "\n")
steps <- list("", "loadings", c("loadings", "intercepts"), c("loadings", "intercepts", "residuals"))
t <- system.time({
  fits <- lapply(steps, function(ge) cfa(model, d, group = "form", group.equal = ge, estimator = est))
  l <- lavTestLRT(fits[[1]], fits[[2]], fits[[3]], fits[[4]])
  fm <- lapply(fits, fitMeasures)
})[["elapsed"]]
cat(sprintf("R invariance: %.3f s\n", t))
cat("chisq:", sprintf("%.6f", sapply(fits, function(f) fitMeasures(f, "chisq"))), "\n")
