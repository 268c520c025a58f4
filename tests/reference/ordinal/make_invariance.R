# Reference values for tests/test_ordinal_invariance.py: ordinal measurement invariance across two
# groups with Wu & Estabrook (2016) identification (semTools::measEq.syntax + lavaan, theta).
# Run from this folder:  Rscript make_invariance.R   (writes bfi_gender.csv, sim_groups.csv, invariance.json)
suppressMessages({library(lavaan); library(psych); library(semTools); library(jsonlite)})
options(digits = 16)
out <- list(versions = list(lavaan = as.character(packageVersion("lavaan")),
                            semTools = as.character(packageVersion("semTools"))))
a <- bfi[c(paste0("A", 1:5), "gender")]; a$A1 <- 7 - a$A1
write.csv(a, "bfi_gender.csv", row.names = FALSE, na = "")
## simulated 7-point items, two correlated factors, two groups (self vs mentee style: group 2 more lenient)
set.seed(42)
gen <- function(n, shift, lam) {
  f <- MASS::mvrnorm(n, c(0, 0), matrix(c(1, .5, .5, 1), 2))
  x <- sapply(1:6, function(j) {
    y <- lam[j] * f[, (j > 3) + 1] + sqrt(1 - lam[j]^2) * rnorm(n) + shift
    findInterval(y, c(-2.2, -1.6, -1.0, -0.4, 0.3, 1.0)) + 1L })
  colnames(x) <- paste0("m", 1:6); as.data.frame(x)
}
sg <- rbind(cbind(gen(500, 0, c(.8, .7, .6, .75, .7, .65)), form = "mentee"),
            cbind(gen(400, .3, c(.8, .5, .6, .75, .7, .65)), form = "self"))
write.csv(sg, "sim_groups.csv", row.names = FALSE)

steps <- list(configural = "", thresholds = "thresholds", loadings = c("thresholds", "loadings"),
              intercepts = c("thresholds", "loadings", "intercepts"),
              residuals = c("thresholds", "loadings", "intercepts", "residuals"))
run <- function(model, d, items, group) {
  fits <- lapply(steps, function(ge) {
    syn <- as.character(measEq.syntax(model, data = d, ordered = items, parameterization = "theta",
                                      ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = group,
                                      group.equal = ge))
    cfa(syn, d, group = group, ordered = items, parameterization = "theta")
  })
  res <- list(group_labels = lavInspect(fits[[1]], "group.label"), nobs = unlist(lavInspect(fits[[1]], "nobs")))
  res$models <- lapply(fits, function(f) {
    fm <- fitMeasures(f)
    pe <- parameterEstimates(f)
    tst <- lavInspect(f, "test")$scaled.shifted
    list(fit = as.list(fm[intersect(names(fm), c("npar", "chisq", "df", "chisq.scaled", "chisq.scaling.factor",
              "pvalue.scaled", "baseline.chisq", "baseline.chisq.scaled", "cfi.scaled", "tli.scaled",
              "rmsea.scaled", "cfi.robust", "tli.robust", "rmsea.robust", "srmr", "cfi", "tli", "rmsea"))]),
         shift = tst$shift.parameter,
         params = list(group = pe$group, lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se))
  })
  lrt <- list()
  nm <- names(steps)
  for (k in 2:length(nm)) {
    t <- lavTestLRT(fits[[nm[k - 1]]], fits[[nm[k]]])
    lrt[[nm[k]]] <- list(chisq_diff = t[2, "Chisq diff"], df_diff = t[2, "Df diff"], pvalue = t[2, "Pr(>Chisq)"])
  }
  res$lrt <- lrt
  res
}
out$bfi <- run("agree =~ A1 + A2 + A3 + A4 + A5", a, paste0("A", 1:5), "gender")
out$sim <- run("f1 =~ m1 + m2 + m3\n f2 =~ m4 + m5 + m6", sg, paste0("m", 1:6), "form")
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null"), "invariance.json")
cat("done\n")
