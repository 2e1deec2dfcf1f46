// The page script: upload, results, charts, language switch.
