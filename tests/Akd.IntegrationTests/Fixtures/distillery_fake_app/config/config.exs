# Distillery builds sys.config from config/config.exs, so a distillery project needs one.
import Config
