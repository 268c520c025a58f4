# Edge cases of issue 20 (identification, singular matrices, Heywood, n < items, misspecified CFA).
# Run from this folder: Rscript make_edges.R  -> edges.json (tests read it; R is not needed by CI).
suppressMessages({library(psych); library(lavaan); library(GPArotation); library(jsonlite)})
options(digits = 16)
out <- list(versions = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                            lavaan = as.character(packageVersion("lavaan"))))
HS <- read.csv("../psych/hs1939.csv")
catch <- function(expr) { w <- character(); v <- withCallingHandlers(expr, warning = function(x) {
  w <<- c(w, conditionMessage(x)); invokeRestart("muffleWarning") }, message = function(m) invokeRestart("muffleMessage"))
  list(value = v, warnings = w) }
# 1. under-identified CFA: one factor, two items (df = -1)
u <- catch(cfa("f =~ x1 + x2", HS))
fm <- fitMeasures(u$value, c("npar", "chisq", "df", "cfi", "tli", "rmsea", "srmr"))
out$underidentified <- list(fit = as.list(unclass(fm)), est = parameterEstimates(u$value)$est,
                            se = parameterEstimates(u$value)$se, warnings = u$warnings)
# 2. KMO with a near-duplicated item (x5 = linear function of x1: r = 1 - 1e-16)
d <- HS[paste0("x", 1:4)]; d$x5 <- d$x1 * 3 + 0.1
k <- catch(KMO(d))
out$kmo_duplicate <- list(msa = k$value$MSA, msai = unname(k$value$MSAi), r15 = cor(d)[1, 5])
write.csv(d, "kmo_duplicate.csv", row.names = FALSE)
# 3. n < items: 20 respondents, 26 items, six factors (pairwise matrix not positive definite)
set.seed(20)
L <- matrix(0, 26, 6); blocks <- rep(1:6, times = c(5, 4, 5, 4, 4, 4))
for (i in 1:26) L[i, blocks[i]] <- runif(1, .6, .85)
Phi <- matrix(.6, 6, 6); diag(Phi) <- 1
f <- MASS::mvrnorm(20, rep(0, 6), Phi)
x <- f %*% t(L) + matrix(rnorm(20 * 26), 20) %*% diag(sqrt(1 - rowSums((L %*% Phi) * L)))
x <- as.data.frame(round(pmin(pmax(4 + 1.3 * x, 1), 7))); names(x) <- sprintf("mca%02d", 1:26)
write.csv(x, "small_n.csv", row.names = FALSE)
r <- cor(x, use = "pairwise")
sm <- catch(cor.smooth(r))
out$small_n <- list(min_eigen = min(eigen(r)$values), smooth = unname(split(sm$value, row(sm$value))),
                    smooth_warnings = sm$warnings)
f1 <- catch(fa(x, 1, rotate = "none"))
out$small_n$fa1 <- list(loadings = unname(f1$value$loadings[, 1]), uniq = unname(f1$value$uniquenesses),
                        objective = f1$value$criteria[["objective"]], warnings = f1$warnings)
f3 <- catch(fa(x, 3, rotate = "oblimin"))
out$small_n$fa3 <- list(uniq = unname(f3$value$uniquenesses), objective = f3$value$criteria[["objective"]],
                        warnings = f3$warnings)
o <- catch(omega(x, nfactors = 3, plot = FALSE))
out$small_n$omega <- list(omega_h = o$value$omega_h, omega_t = o$value$omega.tot, warnings = o$warnings)
# 4. misspecified CFA (items assigned to the wrong factors): lavaan's improper solution
mis <- "a =~ x4 + x1 + x8\nb =~ x5 + x6 + x9\nc =~ x7 + x3 + x2"
m <- catch(cfa(mis, HS))
out$misspecified <- list(fit = as.list(unclass(fitMeasures(m$value, c("chisq", "df", "cfi", "tli", "rmsea", "srmr")))),
                         est = parameterEstimates(m$value)$est, lhs = parameterEstimates(m$value)$lhs,
                         op = parameterEstimates(m$value)$op, rhs = parameterEstimates(m$value)$rhs,
                         warnings = m$warnings)
# 5. ultra-Heywood EFA/omega: x5 nearly duplicates x4 plus noise, 3 factors on 9 items
set.seed(5)
h <- HS[paste0("x", 1:9)]; h$x6 <- h$x5 + rnorm(301, sd = .05)
write.csv(h, "heywood.csv", row.names = FALSE)
fh <- catch(fa(h, 3))
oh <- catch(omega(h, nfactors = 3, plot = FALSE))
out$heywood <- list(communality = unname(fh$value$communality), objective = fh$value$criteria[["objective"]],
                    fa_warnings = fh$warnings, omega_h = oh$value$omega_h, omega_t = oh$value$omega.tot,
                    omega_warnings = oh$warnings)
# 6. forty random misassignments of x1-x9 to three factors (chi-square of lavaan's solution)
set.seed(1); mis40 <- list()
for (k in 1:40) { p <- sample(paste0("x", 1:9))
  m <- sprintf("a =~ %s\nb =~ %s\nc =~ %s", paste(p[1:3], collapse = "+"), paste(p[4:6], collapse = "+"),
               paste(p[7:9], collapse = "+"))
  f <- suppressWarnings(cfa(m, HS))
  mis40[[k]] <- list(items = p, chisq = unname(fitMeasures(f, "chisq")), converged = lavInspect(f, "converged")) }
out$misassigned <- mis40
# 7. ultra-Heywood second-order solutions in omega: 40-row resamples of HS x1-x9 (psych warns)
uh <- list()
for (s in c(2, 4, 14, 16)) { set.seed(s); x <- HS[sample(301, 40), paste0("x", 1:9)]
  write.csv(x, sprintf("ultra_heywood_%d.csv", s), row.names = FALSE)
  o <- catch(omega(x, 3, plot = FALSE))
  uh[[as.character(s)]] <- list(omega_h = o$value$omega_h, omega_t = o$value$omega.tot,
    phi = unname(split(o$value$schmid$phi, row(o$value$schmid$phi))), gloading = unname(o$value$schmid$gloading[, 1]),
    ultra = any(grepl("ultra", o$warnings))) }
out$ultra_heywood <- uh
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "edges.json")
