# Reference values for tests/test_ordinal_*.py (polychoric correlations, ordinal alpha/omega, WLSMV).
# Run from this folder:  Rscript make_reference.R
# Writes the simulated data (sim7.csv, sim5.csv, ord24.csv) and reference.json. The tests read
# only those files (CI has no R). Versions are recorded in reference.json ("versions").
suppressMessages({library(lavaan); library(psych); library(semTools); library(jsonlite)})
options(digits = 16)
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            psych = as.character(packageVersion("psych")),
                            semTools = as.character(packageVersion("semTools"))))

cut7 <- function(y, th) findInterval(y, th) + 1L
## --- sim7: 800 x 12, 7-point items with ceiling effects, 3 correlated factors, 2% missing cells
set.seed(20261201)
n <- 800
phi <- matrix(.5, 3, 3); diag(phi) <- 1
f <- MASS::mvrnorm(n, rep(0, 3), phi)
lam <- c(.80, .70, .60, .75, .85, .65, .55, .70, .60, .80, .75, .70)
fac <- rep(1:3, each = 4)
th7 <- c(-2.5, -2.0, -1.5, -0.9, -0.2, 0.6)     # most answers are 6 or 7
sim7 <- sapply(1:12, function(j) {
  ystar <- lam[j] * f[, fac[j]] + sqrt(1 - lam[j]^2) * rnorm(n)
  cut7(ystar + rnorm(1, 0, .15), th7)
})
colnames(sim7) <- sprintf("s%02d", 1:12)
sim7[sim7[, "s04"] == 1, "s04"] <- 2            # category 1 never used on s04 (6 categories)
sim7[sim7[, "s09"] <= 2, "s09"] <- 3            # s09 uses only 3..7
sim7 <- as.data.frame(sim7)
for (j in 1:12) sim7[runif(n) < .02, j] <- NA
for (j in 1:12) {  # merge categories with < 8 answers upward so that listwise deletion keeps them all
  for (k in 1:3) { v <- sim7[[j]]; if (sum(v == k, na.rm = TRUE) %in% 1:7) sim7[[j]][!is.na(v) & v == k] <- k + 1L }
}
write.csv(sim7, "sim7.csv", row.names = FALSE, na = "")
## --- sim5: 300 x 6, 5-point, one factor; i6 never uses 5 (4 categories)
set.seed(7)
n5 <- 300
g <- rnorm(n5)
l5 <- c(.7, .6, .8, .5, .65, .75)
th5 <- c(-1.6, -.7, .2, 1.1)
sim5 <- as.data.frame(sapply(1:6, function(j) cut7(l5[j] * g + sqrt(1 - l5[j]^2) * rnorm(n5), th5)))
names(sim5) <- paste0("i", 1:6)
sim5$i6[sim5$i6 == 5] <- 4
write.csv(sim5, "sim5.csv", row.names = FALSE)
## --- ord24: the 24 x 4 data of psychometrics-2 section 10.2
s <- "5555 2311 3212 3323 1213 2423 3444 4352 3244 5553 3434 5555 5555 2433 5554 4434 3313 2434 3442 3545 4542 4445 5555 2112"
ord24 <- as.data.frame(do.call(rbind, lapply(strsplit(strsplit(s, " ")[[1]], ""), as.integer)))
names(ord24) <- paste0("i", 1:4)
write.csv(ord24, "ord24.csv", row.names = FALSE)
## --- bfi agreeableness + conscientiousness (A1, C4, C5 reversed), as in section 10.2
b <- read.csv("../psych/bfi.csv")[c(paste0("A", 1:5), paste0("C", 1:5))]
b$A1 <- 7 - b$A1; b$C4 <- 7 - b$C4; b$C5 <- 7 - b$C5

poly_ref <- function(x) {
  items <- names(x)
  lc <- lavCor(x, ordered = items, missing = "pairwise", output = "sampstat")
  p0 <- suppressWarnings(polychoric(x))
  pc0 <- suppressWarnings(polychoric(x, correct = 0))
  list(items = items,
       lavaan_cor = unname(split(unclass(lc$cov), row(lc$cov))),
       lavaan_th = as.list(lc$th),
       psych_rho = unname(split(p0$rho, row(p0$rho))), psych_tau = unname(split(p0$tau, row(p0$tau))),
       psych_rho_correct0 = unname(split(pc0$rho, row(pc0$rho))),
       alpha_psych = alpha(p0$rho, warnings = FALSE)$total$std.alpha,
       alpha_psych_correct0 = alpha(pc0$rho, warnings = FALSE)$total$std.alpha,
       alpha_lavaan = { R <- unclass(lc$cov); k <- ncol(R); k / (k - 1) * (1 - k / sum(R)) },
       alpha_pearson = alpha(x, warnings = FALSE)$total$std.alpha)
}
wlsmv_ref <- function(model, x, gamma = FALSE) {
  fit <- cfa(model, x, ordered = names(x))
  fitm <- fitMeasures(fit)
  pe <- parameterEstimates(fit, standardized = TRUE)
  tst <- lavInspect(fit, "test")
  fs <- cfa(model, x, ordered = names(x), std.lv = TRUE)
  r <- list(model = model, ntotal = lavInspect(fit, "ntotal"), npar = unname(fitm["npar"]),
       fit = as.list(fitm[c("chisq", "df", "chisq.scaled", "df.scaled", "chisq.scaling.factor",
                            "baseline.chisq", "baseline.df",
                            "baseline.chisq.scaled", "cfi", "tli", "cfi.scaled", "tli.scaled",
                            "cfi.robust", "tli.robust", "rmsea", "rmsea.scaled", "rmsea.robust",
                            "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled",
                            "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "srmr", "pvalue.scaled")]),
       shift = tst$scaled.shifted$shift.parameter, trace_ugamma = tst$scaled.shifted$trace.UGamma, trace_ugamma2 = tst$scaled.shifted$trace.UGamma2,
       fmin = unname(fitm["fmin"]),
       params = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se, std_all = pe$std.all),
       gamma_diag = unname(diag(lavInspect(fit, "gamma"))),
       polychoric = unname(split(unclass(lavInspect(fit, "sampstat")$cov), row(lavInspect(fit, "sampstat")$cov))),
       compRelSEM_ordscale = as.list(compRelSEM(fs)),
       compRelSEM_latent = as.list(compRelSEM(fs, ord.scale = FALSE)))
  if (gamma) r$gamma <- unname(split(unclass(lavInspect(fit, "gamma")), row(lavInspect(fit, "gamma"))))
  r
}

# listwise data for WLSMV (lavaan's cfa default): categories after deletion must equal those before
cc <- sim7[complete.cases(sim7), ]
stopifnot(all(sapply(names(sim7), function(v) length(unique(na.omit(sim7[[v]]))) == length(unique(cc[[v]])))))
m7 <- "f1 =~ s01 + s02 + s03 + s04\n f2 =~ s05 + s06 + s07 + s08\n f3 =~ s09 + s10 + s11 + s12"
out$sim7 <- list(poly = poly_ref(sim7), wlsmv = wlsmv_ref(m7, sim7),
                 wlsmv_2f = wlsmv_ref("f1 =~ s01 + s02 + s03 + s04 + s05 + s06\n f2 =~ s07 + s08 + s09 + s10 + s11 + s12", sim7))
out$sim5 <- list(poly = poly_ref(sim5), wlsmv = wlsmv_ref("f =~ i1 + i2 + i3 + i4 + i5 + i6", sim5, gamma = TRUE))
out$ord24 <- list(poly = poly_ref(ord24), wlsmv = wlsmv_ref("f =~ i1 + i2 + i3 + i4", ord24, gamma = TRUE))
out$bfi <- list(wlsmv = wlsmv_ref("agree =~ A1+A2+A3+A4+A5\n consc =~ C1+C2+C3+C4+C5", b))
## --- binary items: 2 x 2 tables, one with an empty cell (lavaan adds .5 keeping the margins)
bin <- data.frame(b1 = as.integer(sim5$i1 >= 4), b3 = as.integer(sim5$i3 >= 3), b4 = as.integer(sim5$i4 >= 3))
bin$b2 <- as.integer(sim5$i2 >= 2 | bin$b1 == 1)
bin <- bin[c("b1", "b2", "b3", "b4")]
write.csv(bin, "bin.csv", row.names = FALSE)
out$bin <- list(poly = poly_ref(bin), table_b1_b2 = as.vector(table(bin$b1, bin$b2)))
## --- Heywood case: implied lambda1^2 = .85^2/.5 > 1; lavaan warns and keeps the estimates
set.seed(11)
S <- matrix(c(1, .85, .85, .85, 1, .5, .85, .5, 1), 3)
hz <- as.data.frame(apply(MASS::mvrnorm(1000, rep(0, 3), S), 2, cut7, th = c(-1, 0, 1)))
names(hz) <- c("h1", "h2", "h3")
write.csv(hz, "heywood.csv", row.names = FALSE)
hw <- tryCatch(wlsmv_ref("f =~ h1 + h2 + h3", hz), warning = function(w) conditionMessage(w))
out$heywood <- list(warning = if (is.character(hw)) hw else "", wlsmv = suppressWarnings(wlsmv_ref("f =~ h1 + h2 + h3", hz)))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null"), "reference.json")
cat("done\n")
