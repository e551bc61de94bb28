"""Pages of grid governance: reports and 吹哨报到, disputes, places and inspections."""
